"""Eurostat regional statistics -> the canonical cluster panel and region context.

Sources (Eurostat dataset codes):

- ``sbs_r_nuts06_r2`` - SBS data by NUTS 2 regions and NACE Rev. 2 (2008-2020), the dataset the
  2019 European cluster mapping drew on: local units (V11210), persons employed (V16110),
  wages and salaries (V13320, million EUR).
- ``sbs_r_nuts2021`` - its successor (reference years 2021 onwards, NUTS 2021): local units
  (LOC_NR), persons employed (EMP_LOC_NR), wages and salaries (WAGE_LOC_MEUR).
- ``nama_10r_3empers`` - employment by NACE aggregate (A10), NUTS 2 and 3, thousand persons,
  long time series: a common source when division detail is missing.
- context: ``demo_r_d2jan`` (population), ``nama_10r_2gdp`` (GDP per inhabitant in PPS),
  ``rd_e_gerdreg`` (R&D intensity), ``lfst_r_lfe2emp`` (employment, thousand persons),
  ``lfst_r_lfu3rt`` (unemployment rate), ``edat_lfse_04`` (tertiary attainment 25-64),
  ``bd_hgnace2_r3`` (enterprise birth rate).

Eurostat's two download formats are read: the TSV whose first column combines the dimensions
(``unit,nace_r2,geo\\time``) and whose cells carry flags after the value (``12.3 p``, ``:``,
``: c``), and SDMX-CSV (``OBS_VALUE``, ``OBS_FLAG``). A flag never becomes a number: ``:`` is a
missing value, the letters (``p`` provisional, ``e`` estimated, ``c`` confidential, ``b`` break,
``u`` low reliability, ``d`` definition differs) are kept as notes.

Which dataset a file holds is read from its content (SDMX-CSV's ``DATAFLOW``, else its
dimensions and codes; ``guess_dataset``), so a download saved as 'download (3).tsv' converts
as well. Only regions of the chosen NUTS level reach the output: extra-regio codes (``ITZZ``)
never, national and EU totals (``AT``, ``EU27_2020``) only with ``--keep-benchmark``, for
``--benchmark``; each conversion says what it left out. The sector table written beside the
panel marks with ``base`` which NACE codes add up to the regional total (``nace.base_partition``:
for the A10 aggregates, C and G-J overlap B-E and G-I + J and are not base).

Downloads go through the maintained ``eurostat`` client with a cache in ``data/raw/``; offline,
the command stops at once with a message that says how to convert a downloaded file instead
(``toolkit data eurostat --input FILE``).
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit import paths
from toolkit.benchmark import AREA_AGGREGATE, EXTRA_REGIO
from toolkit.data import write_csv_atomic, write_parquet_atomic
from toolkit.errors import BadInputError, Problem, ToolkitError
from toolkit.nace import (
    NACE_A10,
    NACE_DIVISION,
    TOTAL,
    TOTAL_NAME,
    Partition,
    base_partition,
    normalise_code,
)
from toolkit.reference import nace_sectors

EUROSTAT_HOST = "ec.europa.eu"
FLAG_MEANINGS = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs",
    "e": "estimated",
    "f": "forecast",
    "n": "not significant",
    "p": "provisional",
    "r": "revised",
    "s": "Eurostat estimate",
    "u": "low reliability",
    "z": "not applicable",
}
_CELL = re.compile(
    r"^\s*(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|:)?\s*(?P<flag>[a-z]*)\s*$"
)
# geo codes that are not regions: extra-regio territory (ITZ, ITZZ, ITZZZ in every NUTS
# version; CZ itself is Czechia, CZZZ its extra-regio) and EU or euro-area totals.
# columns of a long frame that are not dimensions of the dataset
_NOT_DIMENSIONS = {"geo", "year", "time", "value", "flag", "freq"}


@dataclass(frozen=True)
class PanelSource:
    """A dataset of employment (and possibly units and wages) by sector and region."""

    code: str
    title: str
    sector_dim: str
    indicator_dim: str | None
    # indicator code -> (panel column, factor to the panel unit)
    measures: dict[str, tuple[str, float]]
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nuts_version: str = "2016"
    divisions_only: bool = True
    # the dataset's dimensions besides freq, geo and time, as Eurostat publishes it
    dims: tuple[str, ...] = ()

    @property
    def signature(self) -> dict[str, tuple[str, ...] | None]:
        """Dimension -> codes of which at least one must occur (None: any) for a file to be
        this dataset: the sector dimension, the indicators read and the filters."""
        indicators = {self.indicator_dim or "unit": tuple(self.measures)}
        return {self.sector_dim: None, **indicators, **self.filters}


@dataclass(frozen=True)
class ContextSource:
    """A dataset giving one context indicator (column of parameters/indicators.yaml)."""

    code: str
    column: str
    factor: float
    filters: dict[str, tuple[str, ...]]
    dims: tuple[str, ...] = ()

    @property
    def signature(self) -> dict[str, tuple[str, ...] | None]:
        """Dimension -> codes of which at least one must occur for a file to be this dataset."""
        return dict(self.filters)


PANEL_SOURCES = {
    "sbs_r_nuts06_r2": PanelSource(
        "sbs_r_nuts06_r2",
        "SBS data by NUTS 2 regions and NACE Rev. 2 (2008-2020)",
        "nace_r2",
        "indic_sb",
        {"V16110": ("employment", 1.0), "V11210": ("enterprises", 1.0), "V13320": ("wages", 1e6)},
        nuts_version="2016",
        dims=("indic_sb", "nace_r2"),
    ),
    "sbs_r_nuts2021": PanelSource(
        "sbs_r_nuts2021",
        "Enterprise statistics by NUTS 2 regions and NACE Rev. 2 (from 2021)",
        "nace_r2",
        "indic_sbs",
        {
            "EMP_LOC_NR": ("employment", 1.0),
            "LOC_NR": ("enterprises", 1.0),
            "WAGE_LOC_MEUR": ("wages", 1e6),
        },
        filters={"size_emp": ("TOTAL",)},
        nuts_version="2021",
        dims=("nace_r2", "size_emp", "indic_sbs"),
    ),
    "nama_10r_3empers": PanelSource(
        "nama_10r_3empers",
        "Employment by NACE Rev. 2 aggregate (A10), NUTS 2 and 3 regions, thousand persons",
        "nace_r2",
        None,
        {"THS": ("employment", 1000.0)},
        filters={"wstatus": ("EMP",)},
        nuts_version="2021",
        divisions_only=False,
        dims=("unit", "wstatus", "nace_r2"),
    ),
}
CONTEXT_SOURCES = {
    "demo_r_d2jan": ContextSource(
        "demo_r_d2jan",
        "population",
        1.0,
        {"sex": ("T",), "age": ("TOTAL",), "unit": ("NR",)},
        dims=("unit", "sex", "age"),
    ),
    "nama_10r_2gdp": ContextSource(
        "nama_10r_2gdp",
        "gdp_per_capita_pps",
        1.0,
        {"unit": ("PPS_EU27_2020_HAB", "PPS_HAB")},
        dims=("unit",),
    ),
    "rd_e_gerdreg": ContextSource(
        "rd_e_gerdreg",
        "rd_intensity",
        1.0,
        {"sectperf": ("TOTAL",), "unit": ("PC_GDP",)},
        dims=("sectperf", "unit"),
    ),
    "lfst_r_lfe2emp": ContextSource(
        "lfst_r_lfe2emp",
        "total_employment",
        1000.0,
        {"sex": ("T",), "age": ("Y15-74", "Y15-64"), "unit": ("THS_PER",)},
        dims=("unit", "sex", "age"),
    ),
    "lfst_r_lfu3rt": ContextSource(
        "lfst_r_lfu3rt",
        "unemployment_rate",
        1.0,
        {"sex": ("T",), "age": ("Y15-74",), "isced11": ("TOTAL",), "unit": ("PC",)},
        dims=("isced11", "sex", "age", "unit"),
    ),
    "edat_lfse_04": ContextSource(
        "edat_lfse_04",
        "tertiary_education",
        1.0,
        {"sex": ("T",), "age": ("Y25-64",), "isced11": ("ED5-8",), "unit": ("PC",)},
        dims=("sex", "isced11", "age", "unit"),
    ),
    "bd_hgnace2_r3": ContextSource(
        "bd_hgnace2_r3",
        "enterprise_birth_rate",
        1.0,
        {"indic_sb": ("V97020",), "nace_r2": ("B-S_X_K642",)},
        dims=("indic_sb", "nace_r2"),
    ),
}


# --- parsing ----------------------------------------------------------------------------------


def parse_cells(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split Eurostat cells such as ``12.3 p``, ``:``, ``: c`` into (value, flag).

    The value is NaN for ``:`` or an empty cell; the flag is the letters after the value ("" when
    none). Cells that are neither raise no error here: they come back as NaN with flag "?".
    """
    text = cells.astype("string").fillna(":")
    parts = text.str.extract(_CELL)
    value = pd.to_numeric(parts["value"].where(parts["value"] != ":"), errors="coerce")
    matched = text.str.match(_CELL).fillna(False)
    flag = parts["flag"].fillna("").where(matched, "?")
    return value.astype("float64"), flag.astype(str)


def read_eurostat_tsv(path: str | Path) -> pd.DataFrame:
    """Eurostat TSV -> long frame: one column per dimension, ``geo``, ``year``, ``value``,
    ``flag``."""
    path = Path(path)
    name = str(path)
    try:
        wide = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, compression="infer")
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise BadInputError(Problem(name, f"cannot read as Eurostat TSV: {exc}")) from exc
    if wide.empty or "\\" not in wide.columns[0]:
        raise BadInputError(
            Problem(
                name,
                "not a Eurostat TSV file: the first header cell should "
                "read like 'unit,nace_r2,geo\\time'",
                row=1,
            )
        )
    first = wide.columns[0]
    dims = first.split("\\")[0].split(",")
    keys = wide[first].str.split(",", expand=True)
    if keys.shape[1] != len(dims):
        raise BadInputError(
            Problem(
                name,
                f"the first column should hold {len(dims)} "
                f"comma-separated codes ({', '.join(dims)})",
                row=2,
                column=first,
            )
        )
    keys.columns = dims
    times = [c for c in wide.columns[1:]]
    long = wide[times].copy()
    long.columns = [c.strip() for c in times]
    long = pd.concat([keys, long], axis=1).melt(id_vars=dims, var_name="time", value_name="cell")
    long["value"], long["flag"] = parse_cells(long["cell"])
    return _finish(long.drop(columns="cell"), name)


def read_eurostat_sdmx_csv(path: str | Path) -> pd.DataFrame:
    """Eurostat SDMX-CSV -> the same long frame as ``read_eurostat_tsv``."""
    path = Path(path)
    name = str(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "OBS_VALUE" not in frame.columns or "TIME_PERIOD" not in frame.columns:
        raise BadInputError(
            Problem(
                name, "not an SDMX-CSV file: expected the columns TIME_PERIOD and OBS_VALUE", row=1
            )
        )
    skip = {
        "DATAFLOW",
        "LAST UPDATE",
        "freq",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_FLAG",
        "CONF_STATUS",
    }
    dims = [c for c in frame.columns if c not in skip]
    long = frame[dims].copy()
    long["time"] = frame["TIME_PERIOD"]
    value, cell_flag = parse_cells(frame["OBS_VALUE"].replace("", ":"))
    flag = frame.get("OBS_FLAG", pd.Series("", index=frame.index)).fillna("").str.strip()
    if "CONF_STATUS" in frame.columns:  # confidential cells: 'C' (SDMX) -> 'c'
        flag = flag + frame["CONF_STATUS"].str.strip().str.lower().where(
            frame["CONF_STATUS"].str.strip() != "", ""
        )
    long["value"] = value
    long["flag"] = (cell_flag + flag).str.replace("?", "", regex=False)
    if "DATAFLOW" in frame.columns and len(frame):
        long.attrs["dataset"] = _dataset_from_dataflow(frame["DATAFLOW"].iloc[0])
    return _finish(long, name)


def _dataset_from_dataflow(text: str) -> str:
    # 'ESTAT:SBS_R_NUTS06_R2(1.0)' -> 'sbs_r_nuts06_r2'; a saved view adds '$DV_123'
    return text.split(":")[-1].split("(")[0].split("$")[0].lower()


def _finish(long: pd.DataFrame, name: str) -> pd.DataFrame:
    if "geo" not in long.columns:
        raise BadInputError(Problem(name, "no 'geo' dimension: not a regional data set"))
    long["year"] = pd.to_numeric(long.pop("time").str.strip().str[:4], errors="coerce")
    bad_year = long["year"].isna()
    if bad_year.any():
        raise BadInputError(Problem(name, "a time column is not a year", row=1))
    long["year"] = long["year"].astype("int64")
    long["geo"] = long["geo"].str.strip()
    if long["value"].notna().sum() == 0:
        flags = ", ".join(sorted({f for f in long["flag"] if f}))
        listed = f"':', flags {flags}" if flags else "':'"
        raise BadInputError(
            Problem(
                name,
                "the file holds no numbers, only flags or missing "
                f"values ({listed}): nothing to convert",
            )
        )
    long.attrs["source_file"] = name
    return long.reset_index(drop=True)


def read_eurostat(path: str | Path) -> pd.DataFrame:
    """Read a Eurostat download (TSV, possibly .gz, or SDMX-CSV), deciding by its header."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(Problem(str(path), "file not found"))
    if path.stat().st_size == 0:
        raise BadInputError(Problem(str(path), "the file is empty"))
    if path.suffix == ".parquet":  # the toolkit's own cache of a download
        return pd.read_parquet(path)
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    if "OBS_VALUE" in header:
        return read_eurostat_sdmx_csv(path)
    return read_eurostat_tsv(path)


def _sources() -> dict[str, PanelSource | ContextSource]:
    return {**PANEL_SOURCES, **CONTEXT_SOURCES}


def dimensions(long: pd.DataFrame) -> list[str]:
    """The dimensions of a read file besides freq, geo and time (``indic_sb``, ``nace_r2``)."""
    return [c for c in long.columns if c not in _NOT_DIMENSIONS]


def _expects(code: str) -> str:
    """What a dataset's file holds, as words: 'indic_sb (V16110, V11210 or V13320), nace_r2'."""
    source = _sources()[code]
    signature = source.signature
    parts = []
    for dim in source.dims or tuple(signature):
        values = signature.get(dim)
        if values:
            listed = values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" or {values[-1]}"
            parts.append(f"{dim} ({listed})")
        else:
            parts.append(dim)
    return ", ".join([*parts, "geo"])


def _missing_codes(long: pd.DataFrame, code: str) -> list[str] | None:
    """None when the file lacks a dimension of the dataset; else the signature dimensions none
    of whose expected codes occur (empty: the file fits the dataset)."""
    signature = _sources()[code].signature
    if not set(signature) <= set(long.columns):
        return None
    return [dim for dim, values in signature.items() if values and not long[dim].isin(values).any()]


def guess_dataset(path: str | Path, long: pd.DataFrame) -> str:
    """The dataset code of a read file, decided by its content.

    SDMX-CSV declares it (``DATAFLOW``). Otherwise the file's dimensions and codes are compared
    with what each dataset of ``PANEL_SOURCES`` and ``CONTEXT_SOURCES`` holds: its dimensions
    and at least one of the codes read from it (V16110 in indic_sb -> sbs_r_nuts06_r2,
    EMP_LOC_NR in indic_sbs -> sbs_r_nuts2021, wstatus EMP and unit THS -> nama_10r_3empers,
    unit NR and age TOTAL -> demo_r_d2jan ...). When several fit, the one whose dimensions are
    exactly the file's wins, then the one the file name mentions: the name is only a hint, as a
    download is often saved as 'download (3).tsv'. No fit raises ``BadInputError`` naming the
    file, listing its dimensions and what each known dataset expects.
    """
    name = str(path)
    declared = long.attrs.get("dataset")
    if declared in _sources():
        return declared
    found = dimensions(long)
    fits = [code for code in _sources() if _missing_codes(long, code) == []]
    if len(fits) > 1:
        exact = [c for c in fits if set(_sources()[c].dims) == set(found)]
        fits = exact or fits
    if len(fits) > 1:
        stem = Path(name).name.lower()
        fits = [c for c in fits if c in stem] or fits
    if len(fits) == 1:
        return fits[0]
    lines = []
    for code in _sources():
        missing = _missing_codes(long, code)
        line = f"  - {code}: {_expects(code)}"
        if missing:
            line += f" (this file has those dimensions but none of the {', '.join(missing)} codes)"
        lines.append(line)
    declared_text = (
        f"it declares the dataset {declared!r}, which is not converted here; " if declared else ""
    )
    if fits:
        problem = (
            f"{declared_text}cannot tell which Eurostat dataset this is: it fits "
            f"{' and '.join(fits)} alike; name it with --dataset"
        )
    else:
        problem = (
            f"{declared_text}cannot tell which Eurostat dataset this is: its dimensions are "
            f"{', '.join([*found, 'geo'])} (and time). The datasets converted here hold:\n"
            + "\n".join(lines)
            + "\nIf the file is one of these with other codes selected, download it again "
            "with the codes listed, or name it with --dataset CODE"
        )
    raise BadInputError(Problem(name, problem))


# --- conversion -------------------------------------------------------------------------------


def _select(long: pd.DataFrame, filters: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Keep rows matching each filter dimension (first accepted value found in the data)."""
    for dim, accepted in filters.items():
        if dim not in long.columns:
            continue
        present = [v for v in accepted if (long[dim] == v).any()]
        if not present:
            raise BadInputError(
                f"no rows with {dim} in {', '.join(accepted)}",
                file=long.attrs.get("source_file", "eurostat"),
            )
        long = long[long[dim] == present[0]]
    return long


def _nuts_level(geo: pd.Series) -> pd.Series:
    return geo.str.len() - 2


def _codes_listed(codes: list[str], limit: int = 6) -> str:
    return ", ".join(codes[:limit]) + (", ..." if len(codes) > limit else "")


def select_regions(
    frame: pd.DataFrame, nuts_level: int = 2, *, keep_benchmark: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """The rows of the regions of one NUTS level (by code length), and notes on what was left
    out or kept besides.

    Extra-regio codes (``ITZZ``: territory outside any region) are never regions. National
    totals (two-letter codes) and EU or euro-area totals (``EU27_2020``, ``EA19``) are left out
    too, unless ``keep_benchmark``: then they stay beside the regions, so that
    ``--benchmark EU27_2020`` (or a country code) can compute LQ against them.
    """
    geo = frame["geo"]
    level = _nuts_level(geo)
    extra = geo.str.match(EXTRA_REGIO.pattern)
    aggregate = geo.str.match(AREA_AGGREGATE.pattern)
    totals = aggregate | ((geo.str.len() == 2) & ~extra)
    regions = (level == nuts_level) & ~extra & ~aggregate
    notes = []
    left_out = sorted(set(geo[extra & (level == nuts_level)]))
    if left_out:
        plural = "s" if len(left_out) > 1 else ""
        notes.append(
            f"left out {len(left_out)} extra-regio code{plural}: {_codes_listed(left_out)} "
            "(territory outside any region)"
        )
    # EU27_2020 first (the usual benchmark), then other EU and euro-area totals, then countries
    found = sorted(
        set(geo[totals]),
        key=lambda c: (c != "EU27_2020", not AREA_AGGREGATE.match(c), not c.startswith("EU"), c),
    )
    if found:
        plural = "s" if len(found) > 1 else ""
        if keep_benchmark:
            notes.append(
                f"kept {len(found)} national or EU total{plural} beside the regions "
                f"({_codes_listed(found)}) for --benchmark {found[0]}"
            )
        else:
            notes.append(
                f"left out {len(found)} national or EU total{plural} ({_codes_listed(found)}): "
                f"--benchmark {found[0]} needs {'them' if plural else 'it'}, keep "
                f"{'them' if plural else 'it'} with --keep-benchmark"
            )
    keep = (regions | totals) if keep_benchmark else regions
    return frame[keep], notes


def to_panel(
    long: pd.DataFrame,
    dataset: str,
    *,
    nuts_level: int = 2,
    years: list[int] | None = None,
    keep_benchmark: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Eurostat long frame -> (canonical panel, notes of flagged cells).

    Panel: region (NUTS code), sector (NACE division, e.g. ``C10``; the NACE A10 aggregates for
    nama_10r_3empers, overlapping ones such as C and G-J included, ``M-N`` read as ``M_N``),
    year, employment (persons), enterprises (local units), wages (EUR).
    Flagged cells keep their value when one is given (``p``, ``e``) and are listed in the notes;
    ``:`` cells (with or without ``c``) are missing, never zero. Rows that are not regions of
    ``nuts_level`` are left out (see ``select_regions``); ``panel.attrs``: ``notes`` (sentences
    on what was left out or kept) and ``has_total`` (the file had a NACE TOTAL, which is never a
    sector of the panel).
    """
    source = PANEL_SOURCES[dataset]
    name = long.attrs.get("source_file", dataset)
    frame = _select(long, source.filters)
    if source.indicator_dim is None:
        frame = frame.assign(_measure=frame["unit"] if "unit" in frame.columns else "THS")
    else:
        frame = frame.assign(_measure=frame[source.indicator_dim])
    frame = frame[frame["_measure"].isin(list(source.measures))]
    spelled = frame[source.sector_dim].astype(str)
    sector = spelled.map({c: normalise_code(c) for c in spelled.unique()})
    frame = frame.assign(**{source.sector_dim: sector})
    keep = sector.str.match(NACE_DIVISION) if source.divisions_only else sector.isin(list(NACE_A10))
    frame, geo_notes = select_regions(
        frame[keep | (sector == TOTAL)], nuts_level, keep_benchmark=keep_benchmark
    )
    has_total = bool((frame[source.sector_dim] == TOTAL).any())
    frame = frame[frame[source.sector_dim] != TOTAL]
    if years:
        frame = frame[frame["year"].isin(years)]
    if frame.empty:
        raise BadInputError(
            Problem(
                name,
                f"no {dataset} rows for NUTS level {nuts_level}"
                + (f" and years {years}" if years else "")
                + " with the expected indicators "
                f"({', '.join(source.measures)})",
            )
        )
    factor = frame["_measure"].map({k: v[1] for k, v in source.measures.items()})
    frame = frame.assign(
        column=frame["_measure"].map({k: v[0] for k, v in source.measures.items()}),
        scaled=frame["value"] * factor.astype("float64"),
        sector=frame[source.sector_dim],
        region=frame["geo"],
    )
    panel = frame.pivot_table(
        index=["region", "sector", "year"],
        columns="column",
        values="scaled",
        aggfunc="first",
        dropna=False,
    ).reset_index()
    panel.columns.name = None
    panel = panel.dropna(subset=["employment"]) if "employment" in panel else panel
    if "employment" not in panel.columns or panel.empty:
        raise BadInputError(Problem(name, "no employment values (all missing or flagged)"))
    panel = panel.sort_values(["region", "sector", "year"]).reset_index(drop=True)
    panel.attrs = {"notes": geo_notes, "has_total": has_total}
    notes = frame.loc[frame["flag"] != "", ["region", "sector", "year", "column", "flag"]]
    return panel, notes.reset_index(drop=True)


def to_context(
    long: pd.DataFrame,
    dataset: str,
    *,
    nuts_level: int = 2,
    years: list[int] | None = None,
    keep_benchmark: bool = False,
) -> pd.DataFrame:
    """One context dataset -> region, year, <indicator column> (unit of indicators.yaml).

    Rows that are not regions of ``nuts_level`` are left out as in ``to_panel``; ``attrs``
    ``notes`` says which."""
    source = CONTEXT_SOURCES[dataset]
    frame = _select(long, source.filters)
    frame, geo_notes = select_regions(frame, nuts_level, keep_benchmark=keep_benchmark)
    if years:
        frame = frame[frame["year"].isin(years)]
    result = frame.assign(region=frame["geo"], value=frame["value"] * source.factor)
    result = result.groupby(["region", "year"], as_index=False)["value"].first()
    result = result.rename(columns={"value": source.column})
    result.attrs = {"notes": geo_notes}
    return result


def merge_context(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Outer-join context indicators on region and year."""
    if not parts:
        return pd.DataFrame(columns=["region", "year"])
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part, on=["region", "year"], how="outer")
    return merged.sort_values(["region", "year"]).reset_index(drop=True)


def sector_table(codes, *, has_total: bool = False) -> pd.DataFrame:
    """Sector table for the NACE codes of a converted panel (see ``reference.nace_sectors``),
    with a ``base`` column: True for the codes the regional total (the LQ denominator) adds
    up, False for the overlapping aggregates left out of it (``nace.base_partition``).

    ``has_total``: the file had a NACE TOTAL; it is listed too (base False), so the table says
    what the base sectors add up to. ``attrs["partition"]`` holds the partition, with its note.
    """
    codes = sorted({str(c) for c in codes})
    partition = base_partition(codes)
    table = nace_sectors(codes)
    if has_total and TOTAL not in codes:
        total = pd.DataFrame(
            {
                "code": [TOTAL],
                "name": [TOTAL_NAME],
                "type": ["other"],
                "description": ["NACE Rev. 2 total, not a sector of the panel"],
            }
        )
        table = pd.concat([table, total], ignore_index=True)
    table["base"] = table["code"].isin(partition.base)
    if has_total and TOTAL not in codes:
        partition = Partition(
            base=partition.base,
            dropped=(*partition.dropped, TOTAL),
            note=partition.note + "; TOTAL (all activities) is not a sector of the panel",
            reasons={**partition.reasons, TOTAL: "not a sector of the panel"},
            not_nace=partition.not_nace,
        )
    table.attrs["partition"] = partition
    return table


# --- download ---------------------------------------------------------------------------------


def raw_dir() -> Path:
    return paths.data_dir() / "raw"


def check_online(timeout: float = 3.0) -> None:
    """Fail fast (ToolkitError, exit 1) when Eurostat cannot be reached."""
    try:
        socket.create_connection((EUROSTAT_HOST, 443), timeout=timeout).close()
    except OSError as exc:
        raise ToolkitError(
            f"cannot reach Eurostat ({EUROSTAT_HOST}: {exc}); this machine looks offline. "
            "Download the dataset elsewhere (TSV or SDMX-CSV from the Eurostat data browser) "
            "and convert it with: toolkit data eurostat --input FILE"
        ) from exc


def fetch(code: str, *, refresh: bool = False) -> Path:
    """Download one dataset with the ``eurostat`` client into the cache ``data/raw/<code>.parquet``
    (long format with flags) and return the cached file; reuse the cache unless ``refresh``."""
    cached = raw_dir() / f"{code}.parquet"
    if cached.is_file() and not refresh:
        return cached
    check_online()
    import eurostat

    try:
        wide = eurostat.get_data_df(code, flags=True)
    except Exception as exc:  # network and HTTP errors of the client
        raise ToolkitError(f"download of {code} from Eurostat failed: {exc}") from exc
    if wide is None or wide.empty:
        raise ToolkitError(f"Eurostat returned no data for {code}")
    first = next(c for c in wide.columns if "\\" in str(c))
    dims = [c for c in wide.columns[: list(wide.columns).index(first)] if c != "freq"]
    geo = first.split("\\")[0]
    value_cols = [c for c in wide.columns if str(c).endswith("_value")]
    parts = []
    for column in value_cols:
        year = str(column).removesuffix("_value")
        flag_col = f"{year}_flag"
        part = wide[[*dims, first]].rename(columns={first: geo}).copy()
        part["time"] = year
        part["value"] = pd.to_numeric(wide[column], errors="coerce")
        part["flag"] = wide[flag_col].fillna("").astype(str) if flag_col in wide else ""
        parts.append(part)
    long = _finish(pd.concat(parts, ignore_index=True), code)
    write_parquet_atomic(long, cached, {"source": f"Eurostat {code}", "synthetic": "false"})
    return cached


# --- command ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` wrote, and the notes for the user (rows left out or kept, the base
    sectors of the LQ denominator)."""

    written: list[Path]
    notes: list[str]


def convert(
    long_by_dataset: dict[str, pd.DataFrame],
    out_dir: Path,
    *,
    nuts_level: int = 2,
    years: list[int] | None = None,
    keep_benchmark: bool = False,
) -> Conversion:
    """Convert read datasets and write panel.parquet, context.parquet, sectors.csv (with the
    ``base`` column of ``sector_table``) and notes.csv into ``out_dir`` (each atomically)."""
    panel_kinds = {PANEL_SOURCES[d].divisions_only for d in long_by_dataset if d in PANEL_SOURCES}
    if len(panel_kinds) > 1:
        raise BadInputError(
            "NACE divisions (SBS) and NACE aggregates (nama_10r_3empers) cannot share one panel: "
            "an aggregate such as C contains the divisions C10-C33 and would be counted twice; "
            "convert them into separate folders (--out)",
            file="--input",
        )
    options = {"nuts_level": nuts_level, "years": years, "keep_benchmark": keep_benchmark}
    panels, notes, contexts, used, messages = [], [], [], [], []
    has_total = False
    for dataset, long in long_by_dataset.items():
        if dataset in PANEL_SOURCES:
            panel, note = to_panel(long, dataset, **options)
            has_total |= panel.attrs.get("has_total", False)
            part_notes = panel.attrs.get("notes", [])
            panels.append(panel)
            notes.append(note.assign(dataset=dataset))
        else:
            context = to_context(long, dataset, **options)
            part_notes = context.attrs.get("notes", [])
            contexts.append(context)
        messages += [f"{dataset}: {text}" for text in part_notes]
        used.append(dataset)
    written = []
    sources = ", ".join(f"Eurostat {d}" for d in used)
    versions = {PANEL_SOURCES[d].nuts_version for d in used if d in PANEL_SOURCES}
    meta = {
        "source": sources,
        "synthetic": "false",
        "notice": f"Source: {sources}. Flagged cells are listed in notes.csv.",
        "nuts_version": "/".join(sorted(versions)) or "2016",
        "nuts_level": str(nuts_level),
    }
    if panels:
        panel = pd.concat(panels, ignore_index=True)
        panel.attrs = {}
        duplicated = panel.duplicated(["region", "sector", "year"], keep="last")
        panel = panel[~duplicated].reset_index(drop=True)  # later dataset wins on overlap
        sectors = sector_table(panel["sector"], has_total=has_total)
        messages.append(sectors.attrs["partition"].note)
        sectors.attrs = {}
        write_parquet_atomic(panel, out_dir / "panel.parquet", meta)
        write_csv_atomic(sectors, out_dir / "sectors.csv")
        write_csv_atomic(pd.concat(notes, ignore_index=True), out_dir / "notes.csv")
        written += [out_dir / "panel.parquet", out_dir / "sectors.csv", out_dir / "notes.csv"]
    if contexts:
        context = merge_context(contexts)
        context.attrs = {}
        write_parquet_atomic(context, out_dir / "context.parquet", meta)
        written.append(out_dir / "context.parquet")
    return Conversion(written, messages)


def cmd_eurostat(args: argparse.Namespace) -> int:
    out_dir = Path(args.out) if args.out else paths.data_dir() / "eurostat"
    years = args.years
    known = [*PANEL_SOURCES, *CONTEXT_SOURCES]
    if args.input:
        if args.dataset and len(args.dataset) != len(args.input):
            raise BadInputError(
                f"{len(args.dataset)} dataset code(s) for {len(args.input)} input file(s): give "
                "one --dataset per --input file, in the same order, or none to detect them",
                file="--dataset",
            )
        datasets = {}
        for i, file in enumerate(args.input):
            long = read_eurostat(file)
            code = args.dataset[i] if args.dataset else guess_dataset(file, long)
            if code not in known:
                raise BadInputError(
                    f"unknown dataset {code!r} (known: {', '.join(known)})", file=str(file)
                )
            if code in datasets:
                raise BadInputError(
                    f"a second file of {code}: convert one file per dataset", file=str(file)
                )
            datasets[code] = long
    else:
        codes = args.dataset or ["sbs_r_nuts06_r2", *CONTEXT_SOURCES]
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise BadInputError(f"unknown dataset(s) {', '.join(unknown)}", file="--dataset")
        if not all((raw_dir() / f"{c}.parquet").is_file() for c in codes) or args.refresh:
            check_online()
        datasets = {c: read_eurostat(fetch(c, refresh=args.refresh)) for c in codes}
    result = convert(
        datasets,
        out_dir,
        nuts_level=args.nuts_level,
        years=years,
        keep_benchmark=args.keep_benchmark,
    )
    for path in result.written:
        print(f"wrote {path}")
    for text in result.notes:
        print(f"note: {text}", file=sys.stderr)
    if any(p.name == "panel.parquet" for p in result.written):
        print(
            f"use: toolkit metrics --panel {out_dir / 'panel.parquet'} --sectors "
            f"{out_dir / 'sectors.csv'}"
            + (" --benchmark EU27_2020" if args.keep_benchmark else "")
            + " --out metrics.csv",
            file=sys.stderr,
        )
    return 0
