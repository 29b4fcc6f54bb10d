"""The data every report of a run shares, computed once: ``Prepared``, and its file.

``prepare`` computes what is the same for all regions (metrics of regions and of regions of
analysis, the scoreboard, dimension scores, the assessment parameters); a report then picks
one region out of it in milliseconds. The batch saves it once (``save_prepared``) and every
notebook loads the file (``prepared_file``); a warm kernel loads each file once.

Names: ``prepared`` is always the object, ``prepared_file`` always its path.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.files import atomic_path
from toolkit.workspace import Workspace


@dataclass
class Prepared:
    """Everything the reports of one batch share, computed once."""

    workspace: Workspace
    scoreboard: pd.DataFrame
    dimensions: pd.DataFrame
    params: object  # toolkit.assessment.AssessmentParameters


def prepare(ws: Workspace, params=None) -> Prepared:
    """Compute metrics (regions as given and regions of analysis), scoreboard and dimensions."""
    from toolkit.assessment import load_assessment_parameters
    from toolkit.growth import warm_cache
    from toolkit.scoreboard import dimension_scores, scoreboard

    params = params or load_assessment_parameters(indicators=ws.indicators)
    ws.metrics  # noqa: B018 - computed now so that the pickle carries it
    ws.analysis_metrics  # noqa: B018
    sb = scoreboard(
        ws.analysis_context, ws.indicators, ws.year, union_ids=[u.id for u in ws.unions]
    )
    warm_cache(ws, int(params.strengths["star_cluster_min_stars"]))  # the growth sections' data
    return Prepared(ws, sb, dimension_scores(sb, ws.indicators.dimensions), params)


def save_pickle(obj: object, path: str | Path) -> Path:
    """Pickle ``obj`` atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(path)


def save_prepared(prepared: Prepared, path: str | Path) -> Path:
    return save_pickle(prepared, path)


_CACHE: dict[tuple[str, float], object] = {}


def load_pickle(path: str | Path):
    """Load a file written by ``save_pickle`` (our own file); cached by path and time."""
    path = Path(path)
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE.clear()
        with path.open("rb") as handle:
            _CACHE[key] = pickle.load(handle)  # written by save_pickle, never a user's file
    return _CACHE[key]


def load_prepared(path: str | Path) -> Prepared:
    return load_pickle(path)
