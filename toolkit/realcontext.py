"""A real region context from Eurostat's NUTS-2 indicators 2007-2018 (shipped in data/real/).

The source file (``nuts2_context_indicators_2007_2018.csv``, provenance in data/README.md)
holds the 332 NUTS 2016 level-2 regions x 12 years with a dozen Eurostat regional indicators.
Each is mapped onto the catalogue (``parameters/indicators.yaml``) only where the definition
and unit are the catalogue's own; where they differ a separate indicator carries the Eurostat
definition (GDP in EUR is not GDP in PPS). Catalogue indicators the file does not have are
left out of the table, never filled with synthetic values: ``attrs['not_available']`` lists
them so reports and apps can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.data import write_csv_atomic, write_parquet_atomic
from toolkit.errors import BadInputError, Problem
from toolkit.parameters import IndicatorCatalogue, load_indicators

SOURCE_FILE = "nuts2_context_indicators_2007_2018.csv"
DEFAULT_OUT = "context.parquet"
SOURCE = (
    "Eurostat regional indicators (tgs00003, tgs00096, tgs00010, tgs00026, tepsr_lm220, "
    "tgs00101, tgs00049, tgs00040), NUTS 2016 level 2, 2007-2018, extracted Dec 2020 via "
    "andrea-ballatore/open-geo-data-education"
)
NOTICE = (
    "Source: Eurostat. Reuse authorised with acknowledgement (Commission Decision "
    "2011/833/EU). Values as published; indicators without Eurostat data are not included."
)


@dataclass(frozen=True)
class Mapping:
    """One indicator of the context and the source column(s) it comes from."""

    indicator: str
    column: str
    note: str


# Population on 1 January (persons) and the unemployment rate (% of the labour force aged
# 15-74) match the catalogue's definitions. Broadband: tgs00049 counts households with a fixed
# or mobile broadband connection, % of households, which is the catalogue's broadband_coverage
# definition. The patents column is EPO applications per million inhabitants, not the
# catalogue's PCT applications per billion GDP, hence epo_patent_applications.
MAPPINGS = (
    Mapping("population", "region_population", "tgs00096, persons on 1 January"),
    Mapping("unemployment_rate", "unemployment_rate_t", "tgs00010, % of labour force 15-74"),
    Mapping("gdp_per_capita_eur", "region_gdp", "tgs00003 million EUR x 1e6 / population"),
    Mapping("disposable_income_pps", "disp_income_household", "tgs00026, PPS per inhabitant"),
    Mapping("broadband_coverage", "broadband_access_household", "tgs00049, % of households"),
    Mapping("epo_patent_applications", "patents", "tgs00040, per million inhabitants"),
    Mapping("life_expectancy", "life_expectancy_t", "tgs00101, years, both sexes"),
    Mapping("gender_employment_gap", "gender_employ_gap", "tepsr_lm220, percentage points"),
)
SOURCE_COLUMNS = ("nuts_id", "year", *(m.column for m in MAPPINGS))


def default_source() -> Path:
    """The shipped Eurostat file: in the data folder (``$EOCIC_DATA``) when it is there, else
    in the checkout the package lives in."""
    here = paths.data_dir() / "real" / SOURCE_FILE
    if here.is_file():
        return here
    checkout = Path(__file__).resolve().parent.parent / "data" / "real" / SOURCE_FILE
    return checkout if checkout.is_file() else here


def default_out() -> Path:
    return paths.data_dir() / "real" / DEFAULT_OUT


def _read_source(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(
            path,
            dtype={"nuts_id": "string"},
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8",
        )
    except FileNotFoundError as exc:
        raise BadInputError(Problem(str(path), "file not found")) from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BadInputError(Problem(str(path), f"not a readable CSV file: {exc}")) from exc
    missing = [c for c in SOURCE_COLUMNS if c not in raw.columns]
    if missing:
        raise BadInputError(
            Problem(str(path), f"not the Eurostat context file: no column(s) {', '.join(missing)}")
        )
    return raw


def real_context(
    path: str | Path | None = None, *, indicators: IndicatorCatalogue | None = None
) -> pd.DataFrame:
    """The region context (region, year, indicator columns named as in indicators.yaml) from
    the Eurostat file; rows without any indicator value are dropped.

    ``attrs``: ``source``, ``notice``, ``synthetic`` (False), ``nuts_version`` ("2016"),
    ``available`` (indicator ids with at least one value) and ``not_available`` (catalogue
    indicators this file has no data for).
    """
    path = Path(path) if path is not None else default_source()
    catalogue = load_indicators() if indicators is None else indicators
    raw = _read_source(path)
    context = pd.DataFrame(
        {"region": raw["nuts_id"].str.strip().astype(str), "year": raw["year"].astype("int64")}
    )
    for mapping in MAPPINGS:
        context[mapping.indicator] = pd.to_numeric(raw[mapping.column], errors="coerce")
    # Million EUR over persons: EUR per inhabitant (no PPS conversion is pretended).
    context["gdp_per_capita_eur"] = context["gdp_per_capita_eur"] * 1e6 / context["population"]
    context = context.replace([np.inf, -np.inf], np.nan)
    values = [m.indicator for m in MAPPINGS]
    context = context[context[values].notna().any(axis=1)]
    context = context.sort_values(["region", "year"]).reset_index(drop=True)
    available = [c for c in values if context[c].notna().any()]
    context = context[["region", "year", *available]]
    years = context["year"]
    context.attrs.update(
        {
            "synthetic": False,
            "source": SOURCE,
            "notice": NOTICE,
            "source_file": str(path),
            "nuts_version": "2016",
            "years": f"{years.min()}-{years.max()}",
            "available": available,
            "not_available": [c for c in catalogue.indicators if c not in available],
        }
    )
    return context


def write_real_context(
    out_path: str | Path | None = None, *, context: pd.DataFrame | None = None
) -> Path:
    """Write the real context (default: ``real_context()``) atomically, as Parquet with
    ``eocic.*`` provenance metadata or as CSV, by the file's suffix; returns the path."""
    out = Path(out_path) if out_path is not None else default_out()
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise BadInputError(Problem(str(out), "the output file must end in .parquet or .csv"))
    context = real_context() if context is None else context
    if suffix == ".parquet":
        meta = {
            key: ",".join(value) if isinstance(value, list) else str(value)
            for key, value in context.attrs.items()
            if key != "source_file"
        }
        meta["synthetic"] = "false"
        write_parquet_atomic(context, out, meta)
    else:
        write_csv_atomic(context, out)
    return out


def _year_ranges(years) -> str:
    """Sorted years as compact ranges: [2008, 2009, 2010, 2012] -> '2008-2010, 2012'."""
    years = sorted({int(y) for y in years})
    if not years:
        return ""
    parts, start, previous = [], years[0], years[0]
    for year in [*years[1:], None]:
        if year is not None and year == previous + 1:
            previous = year
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if year is not None:
            start = previous = year
    return ", ".join(parts)


def coverage(context: pd.DataFrame, indicators) -> pd.DataFrame:
    """Per indicator: whether the context has it (``available``), how many regions have a
    value, how many values there are, and the years with values (as '2008-2018').

    ``indicators``: an IndicatorCatalogue, a mapping or a list of indicator ids.
    """
    if isinstance(indicators, IndicatorCatalogue):
        indicators = indicators.indicators
    rows = []
    for code in indicators:
        present = context[context[code].notna()] if code in context.columns else context.iloc[:0]
        rows.append(
            {
                "indicator": code,
                "available": not present.empty,
                "regions": int(present["region"].nunique()),
                "values": len(present),
                "years": _year_ranges(present["year"]),
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "available", "regions", "values", "years"])


def cmd_context(args) -> int:
    """``toolkit data context --real [--out FILE]``: write the real Eurostat context and say
    which indicators it has and which it lacks."""
    if not getattr(args, "real", False):
        raise BadInputError(
            "give --real to build the context from the shipped Eurostat data; the synthetic "
            "demo context comes from `toolkit data demo`",
            file="toolkit data context",
        )
    catalogue = load_indicators()
    context = real_context(indicators=catalogue)
    out = write_real_context(args.out, context=context)
    table = coverage(context, catalogue)
    print(
        f"wrote {out}: {context['region'].nunique()} regions, years {context.attrs['years']} "
        f"(NUTS 2016; {SOURCE_FILE})"
    )
    print("available:")
    for row in table[table["available"]].itertuples():
        unit = catalogue.indicators[row.indicator].unit
        print(f"  {row.indicator} ({unit}): {row.regions} regions, {row.years}")
    missing = table.loc[~table["available"], "indicator"].tolist()
    print(f"not available (no Eurostat data in the file): {', '.join(missing) or 'none'}")
    return 0
