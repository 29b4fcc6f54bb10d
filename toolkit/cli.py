"""The ``toolkit`` command line.

The whole parser is declared here and imports nothing heavy: each command names its handler
as ``"module:function"``, imported only when that command runs (in the manner of papermill's
CLI), so ``toolkit --help`` and ``toolkit validate`` start without ipywidgets, matplotlib or
nbconvert. The data options every data command shares come from ``toolkit.sources``.

Exit codes: 0 success, 2 bad input (every problem printed), 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from toolkit.errors import ToolkitError
from toolkit.sources import DataSources, add_data_options

DATA_COMMANDS_HINT = "see 'toolkit COMMAND --help'"


def _parser(commands, name: str, handler: str, help: str, description: str, **kwargs):
    """A subcommand whose handler ``module:function`` is imported when it runs."""
    parser = commands.add_parser(
        name, help=help, description=description, allow_abbrev=False, **kwargs
    )
    parser.set_defaults(handler=handler)
    return parser


# --- handlers of the small commands (the others live in their modules) --------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from toolkit.demo import write_demo

    panel, context = write_demo(args.out, seed=args.seed)
    print(f"wrote {panel} and {context} (synthetic demo data, seed {args.seed})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from toolkit.benchmark import code_levels
    from toolkit.data import not_regions, validate_file
    from toolkit.reference import load_regions, load_sectors

    sectors = load_sectors(args.sectors) if args.sectors else None
    regions = load_regions(args.region_table) if args.region_table else None
    result = validate_file(args.file, sectors=sectors, regions=regions)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    frame = result.frame
    codes = frame["region"]
    special = not_regions(codes)
    levels = code_levels(codes[~special], regions).value_counts().sort_index()
    print(
        f"{args.file}: valid {result.kind}, {len(frame)} rows, {codes.nunique()} regions"
        + (f", {frame['sector'].nunique()} sectors" if "sector" in frame.columns else "")
        + f", years {frame['year'].min()}-{frame['year'].max()}"
    )
    if len(levels) > 1 or special.any():
        parts = [
            f"{codes[~special][code_levels(codes[~special], regions) == k].nunique()} at "
            f"NUTS level {int(k)}"
            for k in levels.index
        ]
        if special.any():
            parts.append(f"{codes[special].nunique()} extra-regio or EU codes (never ranked)")
        print(
            f"note: region codes: {'; '.join(parts)}; the analysis uses one level "
            "(--nuts-level, default 2)",
            file=sys.stderr,
        )
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from toolkit.data import write_csv_atomic
    from toolkit.errors import BadInputError
    from toolkit.workspace import Workspace

    if not args.out.lower().endswith(".csv"):
        raise BadInputError(f"--out must name a .csv file, got {args.out!r}", file="--out")
    ws = Workspace.load(DataSources.from_args(args))
    metrics = ws.analysis_metrics if args.regions_of_analysis else ws.metrics
    write_csv_atomic(metrics, args.out)
    starred = int((metrics["stars"] > 0).sum())
    method = metrics.attrs.get("method", {})
    unit = "star" if method.get("kind", "stars") == "stars" else "strength level"
    print(
        f"wrote {args.out}: {len(metrics)} clusters for {metrics.attrs['year']}, "
        f"{starred} with at least one {unit}"
        f" ({method.get('title', 'EOCIC cluster stars')}; benchmark: {ws.benchmark.name})"
    )
    for note in [*ws.provenance.get("notes", []), metrics.attrs.get("year_note", "")]:
        if note:
            print(f"note: {note}", file=sys.stderr)
    if ws.sectors.attrs.get("note"):
        print(f"note: {ws.sectors.attrs['note']}", file=sys.stderr)
    if not metrics.attrs.get("wages_available"):
        print("note: no wages in the panel, so no productivity star was assessed", file=sys.stderr)
    return 0


def cmd_stars(args: argparse.Namespace) -> int:
    import pandas as pd

    from toolkit.metrics import star_summary
    from toolkit.workspace import Workspace

    ws = Workspace.load(DataSources.from_args(args))
    metrics = ws.analysis_metrics
    summary = star_summary(metrics, ws.unions, ws.sector_names)
    if ws.synthetic:
        print("SYNTHETIC DEMO DATA - not real statistics\n")
    period = metrics.attrs["period"]
    print(
        f"Cluster stars {metrics.attrs['year']} (growth {period[0]}-{period[1]}; "
        f"benchmark: {ws.benchmark.name})\n"
    )
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(summary.drop(columns=["region_id", "employment_in_starred"]).to_string(index=False))
    return 0


# --- the parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toolkit",
        description="EOCIC Cluster Toolkit: cluster metrics, scoreboard and regional assessments.",
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data = commands.add_parser(
        "data",
        help="make, fetch or convert data sets",
        description="Make, fetch or convert data sets.",
        allow_abbrev=False,
    )
    data_commands = data.add_subparsers(dest="data_command", metavar="SOURCE", required=True)
    demo = _parser(
        data_commands,
        "demo",
        "toolkit.cli:cmd_demo",
        "write the synthetic demo data set (Parquet)",
        "Write the synthetic demo cluster panel and region context for every NUTS-2 "
        "region x 61 sectors x 2011-2020. Same seed, same bytes.",
    )
    demo.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    demo.add_argument("--out", default=None, help="output folder (default data/demo)")
    _add_data_commands(data_commands)

    validate = _parser(
        commands,
        "validate",
        "toolkit.cli:cmd_validate",
        "check a panel or context file and list every problem",
        "Check a cluster panel (region, sector, year, employment[, enterprises, wages]) or a "
        "region context file (region, year, indicators). Lists every problem with file, row and "
        "column; exit code 2 when there are any. Extra-regio (ITZZ) and EU codes are valid.",
    )
    validate.add_argument("file", help="CSV, Excel or Parquet file")
    validate.add_argument("--sectors", help="sector file (code, name[, type]) to check codes")
    validate.add_argument(
        "--region-table", help="regions file (code, name[, level, parent, country]) to check codes"
    )

    metrics = _parser(
        commands,
        "metrics",
        "toolkit.cli:cmd_metrics",
        "compute cluster metrics and stars into a CSV",
        "Compute employment share, location quotient, size, productivity, growth and the "
        "strength flags of the chosen method for every region and sector of a panel.",
    )
    add_data_options(metrics, required=("panel",))
    metrics.add_argument("--out", required=True, help="output CSV file")

    stars = _parser(
        commands,
        "stars",
        "toolkit.cli:cmd_stars",
        "print the star summary of the regions of analysis",
        "Print, for each region of analysis (default: the 10 pilot regions), its starred "
        "clusters. Uses the demo data unless --panel is given.",
    )
    add_data_options(stars)

    report = _parser(
        commands,
        "report",
        "toolkit.batch:cmd_report",
        "write the assessment report of one region",
        "Write reports/<region-id>/assessment.html for one region: a pilot-region id (e.g. "
        "wallonia), a region code (e.g. DED2) or a region name. The index page lists it with "
        "every earlier report, and its result is added to the run summary.",
    )
    report.add_argument("region", help="region id, code or name")
    add_data_options(report)
    report.add_argument("--out", help="reports folder (default reports/)")

    batch = _parser(
        commands,
        "batch",
        "toolkit.batch:cmd_batch",
        "write the assessment reports of many regions in parallel",
        "Execute the assessment notebook for every region (papermill parameters, warm "
        "kernels, in parallel), write reports/<region-id>/assessment.html, an index page and "
        "a run summary. One failing region never stops the others; the exit code is 1 when "
        "any failed, 2 when the input is wrong (before any kernel starts).",
    )
    batch.add_argument(
        "--regions",
        default="pilot",
        choices=("pilot", "all"),
        help="'pilot': the regions of analysis (the 10 pilot regions, or those of "
        "--regions-of-analysis; default); 'all': every region of the data",
    )
    batch.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="parallel workers, each with a warm kernel (default: cores)",
    )
    batch.add_argument(
        "--resume",
        action="store_true",
        help="keep finished reports of an earlier run; redo missing or failed ones",
    )
    batch.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or an existing Dask cluster",
    )
    batch.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    add_data_options(batch)
    batch.add_argument("--out", help="reports folder (default reports/)")

    partners = _parser(
        commands,
        "partners",
        "toolkit.growth:cmd_partners",
        "list candidate partner regions for a cluster partnership in one sector",
        "Print, for a region (a pilot-region id, a region code or a name) and a sector (code or "
        "name), the complementary partners (strong where the region is not, and the reverse, "
        "over the sector and its most related sectors) and the similar ones (cosine similarity "
        "of LQ), with employment, LQ and stars: the analysis of competences and "
        "complementarities a European Strategic Cluster Partnership starts from. Uses the demo "
        "data unless --panel is given.",
    )
    partners.add_argument("region", help="region id, code or name")
    partners.add_argument("--sector", required=True, help="sector code or name (e.g. TC04)")
    partners.add_argument(
        "--n", type=int, default=10, help="partners of each kind to list (default 10)"
    )
    partners.add_argument(
        "--exclude-same-country",
        action="store_true",
        help="leave out the regions of the region's own country",
    )
    partners.add_argument("--out", help="also write the table to this CSV file")
    add_data_options(partners)

    app = _parser(
        commands,
        "app",
        "toolkit.app:cmd_app",
        "serve the web apps (Voilà) on this machine",
        "Start Voilà on http://127.0.0.1:PORT with the app notebooks only: the four mapping "
        "views, the Regional Ecosystem Scoreboard and help, each on its own page and all "
        "together in app.ipynb. Sources are hidden; preheated kernels make the first page "
        "fast. Without data options the synthetic demo data are shown (and labelled so).",
    )
    app.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    app.add_argument(
        "--base-url",
        default="/",
        help="URL prefix when served behind a reverse proxy under a sub-path (e.g. /eocic/)",
    )
    app.add_argument(
        "--pool-size",
        type=int,
        default=1,
        help="preheated kernels kept ready per app notebook (default 1; 0: none)",
    )
    app.add_argument(
        "--pool",
        action="append",
        metavar="PAGE=N",
        help="preheated kernels for one page, overriding --pool-size (repeatable): e.g. "
        "--pool index=20 for 20 visitors arriving at the start page at once; each kernel "
        "holds about 290 MiB",
    )
    app.add_argument(
        "--refill-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds before a preheated kernel a visitor took is replaced (default: 5, "
        "longer for pools over 4 kernels, so a crowd's pages are served before the pool "
        "refills)",
    )
    app.add_argument("--notebook", help="serve one page only (e.g. portfolio.ipynb)")
    add_data_options(app)
    app.add_argument("--geojson", help="NUTS-2 boundaries (GeoJSON) for the map")
    app.add_argument(
        "--no-download",
        action="store_true",
        help="never try to download boundaries (the shipped NUTS 2016 ones are used)",
    )
    app.add_argument("--print-command", action="store_true", help="print the Voilà command")
    return parser


def _add_data_commands(data_commands) -> None:
    """``toolkit data eurostat|geo|template|context|concordance|aggregate``."""
    eurostat = _parser(
        data_commands,
        "eurostat",
        "toolkit.eurostat:cmd_eurostat",
        "download or convert Eurostat regional statistics",
        "Download (cached in data/raw/) or convert (--input) Eurostat regional structural "
        "business statistics and context indicators into the canonical panel (sector = NACE "
        "Rev. 2 division or aggregate) and context, written to data/eurostat/. The dataset is "
        "recognised from the file's dimensions; its name is only a hint.",
    )
    eurostat.add_argument("--years", type=int, nargs="+", help="keep only these years")
    eurostat.add_argument(
        "--nuts-level",
        type=int,
        default=2,
        choices=(1, 2, 3),
        help="NUTS level of the regions kept (default 2)",
    )
    eurostat.add_argument(
        "--dataset",
        nargs="+",
        help="dataset code(s) to download, or the code of the --input file",
    )
    eurostat.add_argument(
        "--input",
        nargs="+",
        help="already downloaded file(s) (TSV, .tsv.gz or SDMX-CSV): convert without the network",
    )
    eurostat.add_argument(
        "--keep-benchmark",
        action="store_true",
        help="keep the EU and country total rows (e.g. EU27_2020) so that they can serve as "
        "--benchmark",
    )
    eurostat.add_argument("--out", help="output folder (default data/eurostat)")
    eurostat.add_argument("--refresh", action="store_true", help="download again, ignoring cache")

    geo = _parser(
        data_commands,
        "geo",
        "toolkit.app:cmd_geo",
        "install finer NUTS boundaries for the map (the 1:60 M NUTS 2016 ones are shipped)",
        "Download NUTS 2016 level-2 boundaries at a finer scale from Eurostat's GISCO "
        "distribution into data/geo/, or install a GeoJSON file you have with --from.",
    )
    geo.add_argument("--from", dest="source", help="a local GeoJSON file to install instead")
    geo.add_argument("--url", default=None, help="download address (default: GISCO 1:20 M)")
    geo.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")

    template = _parser(
        data_commands,
        "template",
        "toolkit.templates:cmd_template",
        "write empty documented templates (CSV and Excel) for your own data",
        "Write empty templates for the cluster panel, the region context, a regions file and "
        "a sectors file, as CSV (header only) and Excel (sheet 'notes' explains each column, "
        "sheet 'data' is to fill in). Filled in, they pass 'toolkit validate'.",
    )
    template.add_argument("--out", help="output folder (default data/templates)")

    concordance = _parser(
        data_commands,
        "concordance",
        "toolkit.concordance:cmd_concordance",
        "build the NACE class -> cluster category concordance",
        "Build the approximate NACE Rev. 2 class -> cluster category table (cluster categories "
        "approximated from NACE via ISIC and NAICS) and print how many classes map uniquely, by "
        "majority, split or not at all. The table built from the shipped correspondences is "
        "data/reference/nace_to_cluster_concordance.csv.",
    )
    concordance.add_argument(
        "--out", help="CSV to write (a .provenance.json sidecar is written beside it)"
    )
    concordance.add_argument(
        "--employment-weights", help="CSV naics,employment: weight links by employment"
    )
    aggregate = _parser(
        data_commands,
        "aggregate",
        "toolkit.concordance:cmd_aggregate",
        "turn a NACE panel into a cluster-category panel",
        "Multiply the counts of a NACE class or division panel by the concordance weights and "
        "sum them per region, cluster category and year; the local part is dropped and "
        "reported.",
    )
    aggregate.add_argument("--panel", required=True, help="NACE panel file (sector = NACE code)")
    aggregate.add_argument(
        "--concordance",
        default=None,
        help="concordance CSV (default data/reference/nace_to_cluster_concordance.csv)",
    )
    aggregate.add_argument("--out", required=True, help="output .csv or .parquet file")
    aggregate.add_argument(
        "--class-employment",
        help="CSV nace,employment: weight the classes of a division by employment",
    )

    context = _parser(
        data_commands,
        "context",
        "toolkit.realcontext:cmd_context",
        "build a real region context from the shipped Eurostat NUTS-2 indicators",
        "Write the region context (population, unemployment, GDP per inhabitant in EUR, "
        "broadband, EPO patents, life expectancy, gender employment gap, disposable income; "
        "NUTS 2016 level 2, 2007-2018) from the Eurostat indicators shipped in data/real/. "
        "Indicators the file does not have are left out, never filled with synthetic values.",
    )
    context.add_argument(
        "--real", action="store_true", help="build it from the shipped real Eurostat data"
    )
    context.add_argument(
        "--out", help="output file, .parquet or .csv (default data/real/context.parquet)"
    )


def _handler(spec: str):
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(_handler(args.handler)(args) or 0)
    except ToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
