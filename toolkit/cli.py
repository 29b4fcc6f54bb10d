"""The ``toolkit`` command line: demo data, validation, metrics (and the commands of the
report, app and real-data modules, which register themselves in ``EXTENSIONS``).

Exit codes: 0 success, 2 bad input (every problem printed), 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from toolkit.errors import BadInputError, ToolkitError

# Modules that add their own subcommands through ``register_cli(commands, data_commands)``.
EXTENSIONS = ("toolkit.batch", "toolkit.app", "toolkit.eurostat", "toolkit.templates")


def _cmd_demo(args: argparse.Namespace) -> int:
    from toolkit.demo import write_demo

    panel, context = write_demo(args.out, seed=args.seed)
    print(f"wrote {panel} and {context} (synthetic demo data, seed {args.seed})")
    return 0


def _tables(args: argparse.Namespace):
    from toolkit.reference import load_regions, load_sectors

    sectors = load_sectors(args.sectors) if args.sectors else None
    regions = load_regions(args.regions) if args.regions else None
    return sectors, regions


def _cmd_validate(args: argparse.Namespace) -> int:
    from toolkit.data import validate_file

    sectors, regions = _tables(args)
    result = validate_file(args.file, sectors=sectors, regions=regions)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    frame = result.frame
    print(
        f"{args.file}: valid {result.kind}, {len(frame)} rows, {frame['region'].nunique()} regions"
        + (f", {frame['sector'].nunique()} sectors" if "sector" in frame.columns else "")
        + f", years {frame['year'].min()}-{frame['year'].max()}"
    )
    return 0


def _cmd_metrics(args: argparse.Namespace) -> int:
    from toolkit.data import load_context, load_panel, write_csv_atomic
    from toolkit.metrics import aggregate_regions, cluster_metrics
    from toolkit.parameters import load_regions_of_analysis, load_star_parameters
    from toolkit.reference import sectors_for

    if not args.out.lower().endswith(".csv"):
        raise BadInputError(f"--out must name a .csv file, got {args.out!r}", file="--out")
    sectors, regions = _tables(args)
    panel = load_panel(args.panel, sectors=sectors, regions=regions)
    if args.context:
        load_context(args.context, regions=regions)  # validated so a bad file fails before output
    params = load_star_parameters(args.stars, year=args.year)
    if args.regions_of_analysis:
        panel = aggregate_regions(panel, load_regions_of_analysis(args.regions_of_analysis))
    sector_table = sectors_for(panel["sector"].unique(), args.sectors)
    metrics = cluster_metrics(panel, sector_table, params)
    write_csv_atomic(metrics, args.out)
    starred = int((metrics["stars"] > 0).sum())
    print(
        f"wrote {args.out}: {len(metrics)} clusters for {metrics.attrs['year']}, "
        f"{starred} with at least one star"
    )
    if sector_table.attrs["note"]:
        print(f"note: {sector_table.attrs['note']}", file=sys.stderr)
    if not metrics.attrs.get("wages_available"):
        print("note: no wages in the panel, so no productivity star was assessed", file=sys.stderr)
    return 0


def _cmd_stars(args: argparse.Namespace) -> int:
    from toolkit.data import load_panel
    from toolkit.demo import ensure_demo
    from toolkit.metrics import aggregate_regions, cluster_metrics, star_summary
    from toolkit.parameters import load_regions_of_analysis, load_star_parameters
    from toolkit.reference import load_sectors

    panel_path = args.panel or ensure_demo()[0]
    panel = load_panel(panel_path)
    unions = load_regions_of_analysis(args.regions_of_analysis)
    sectors = load_sectors()
    metrics = cluster_metrics(
        aggregate_regions(panel, unions), sectors, load_star_parameters(year=args.year)
    )
    names = dict(zip(sectors["code"], sectors["name"], strict=True))
    summary = star_summary(metrics, unions, names)
    if panel.attrs.get("synthetic"):
        print("SYNTHETIC DEMO DATA - not real statistics\n")
    print(
        f"Cluster stars {metrics.attrs['year']} (growth {metrics.attrs['period'][0]}-"
        f"{metrics.attrs['period'][1]}; reference: all regions in the data)\n"
    )
    import pandas as pd

    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(summary.drop(columns=["region_id", "employment_in_starred"]).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toolkit",
        description="EOCIC Cluster Toolkit: cluster metrics, scoreboard and regional assessments.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data = commands.add_parser(
        "data", help="make or fetch data sets", description="Make or fetch data sets."
    )
    data_commands = data.add_subparsers(dest="data_command", metavar="SOURCE", required=True)
    demo = data_commands.add_parser(
        "demo",
        help="write the synthetic demo data set (Parquet)",
        description="Write the synthetic demo cluster panel and region context for every NUTS-2 "
        "region x 61 sectors x 2011-2020. Same seed, same bytes.",
    )
    demo.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    demo.add_argument("--out", default=None, help="output folder (default data/demo)")
    demo.set_defaults(handler=_cmd_demo)

    validate = commands.add_parser(
        "validate",
        help="check a panel or context file and list every problem",
        description="Check a cluster panel (region, sector, year, employment[, enterprises, "
        "wages]) or a region context file (region, year, indicators). Lists every problem with "
        "file, row and column; exit code 2 when there are any.",
    )
    validate.add_argument("file", help="CSV, Excel or Parquet file")
    validate.add_argument(
        "--sectors", help="sector file (code, name[, type]) to check codes against"
    )
    validate.add_argument("--regions", help="regions file (code, name) to check codes against")
    validate.set_defaults(handler=_cmd_validate)

    metrics = commands.add_parser(
        "metrics",
        help="compute cluster metrics and stars into a CSV",
        description="Compute employment share, location quotient, size, productivity, growth and "
        "the four cluster stars for every region and sector of a panel.",
    )
    metrics.add_argument("--panel", required=True, help="cluster panel file")
    metrics.add_argument("--context", help="region context file (validated)")
    metrics.add_argument("--year", type=int, help="analysis year (default: latest in the panel)")
    metrics.add_argument(
        "--regions", help="regions file (code, name): region codes need not be NUTS"
    )
    metrics.add_argument(
        "--sectors", help="sector file (code, name[, type]) for another sector set"
    )
    metrics.add_argument("--regions-of-analysis", help="YAML of named unions of region codes")
    metrics.add_argument("--stars", help="star parameter file (default parameters/stars.yaml)")
    metrics.add_argument("--out", required=True, help="output CSV file")
    metrics.set_defaults(handler=_cmd_metrics)

    stars = commands.add_parser(
        "stars",
        help="print the star summary of the pilot regions",
        description="Print, for each region of analysis (default: the 10 pilot regions), its "
        "starred clusters. Uses the demo data unless --panel is given.",
    )
    stars.add_argument("--panel", help="cluster panel file (default: the demo data)")
    stars.add_argument("--year", type=int, help="analysis year (default: latest)")
    stars.add_argument("--regions-of-analysis", help="YAML of regions (default: pilot regions)")
    stars.set_defaults(handler=_cmd_stars)

    for name in EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register_cli(commands, data_commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BadInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
