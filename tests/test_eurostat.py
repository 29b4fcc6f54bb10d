"""Eurostat adapter: parsing of both download formats, flags, conversion to the canonical panel
and context, the offline path. Runs offline on the small fixture files in
tests/fixtures/eurostat/ (written for these tests in Eurostat's own formats)."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from toolkit import eurostat
from toolkit.cli import main
from toolkit.data import load_context, load_panel
from toolkit.errors import BadInputError, ToolkitError
from toolkit.reference import load_sectors

FIXTURES = Path(__file__).parent / "fixtures" / "eurostat"
SBS = FIXTURES / "sbs_r_nuts06_r2.tsv"
NAMA = FIXTURES / "nama_10r_3empers.sdmx.csv"
POPULATION = FIXTURES / "demo_r_d2jan.tsv"
FLAGS_ONLY = FIXTURES / "flags_only_sbs_r_nuts06_r2.tsv"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_flags_become_missing_values_or_notes_never_numbers():
    cells = pd.Series(["12.3 p", ":", ": c", "5 e", "7", " 1500 ", ":c", "", "x1"])
    value, flag = eurostat.parse_cells(cells)
    assert value.iloc[0] == 12.3 and flag.iloc[0] == "p"
    assert math.isnan(value.iloc[1]) and flag.iloc[1] == ""
    assert math.isnan(value.iloc[2]) and flag.iloc[2] == "c"
    assert value.iloc[3] == 5.0 and flag.iloc[3] == "e"
    assert value.iloc[4] == 7.0 and value.iloc[5] == 1500.0
    assert math.isnan(value.iloc[6]) and flag.iloc[6] == "c"
    assert math.isnan(value.iloc[7])
    assert math.isnan(value.iloc[8]) and flag.iloc[8] == "?"


def test_tsv_is_read_into_long_format_with_dimensions():
    long = eurostat.read_eurostat(SBS)
    assert {"indic_sb", "nace_r2", "geo", "year", "value", "flag"} <= set(long.columns)
    row = long[
        (long.indic_sb == "V16110")
        & (long.nace_r2 == "C10")
        & (long.geo == "AT12")
        & (long.year == 2019)
    ].iloc[0]
    assert row["value"] == 8100.0 and row["flag"] == "e"
    assert len(long) == 15 * 2


def test_sbs_panel_in_canonical_units():
    long = eurostat.read_eurostat(SBS)
    panel, notes = eurostat.to_panel(long, "sbs_r_nuts06_r2")
    # Only NUTS-2 regions and NACE divisions: AT (level 0) and section C are left out.
    assert set(panel["region"]) == {"AT11", "AT12"}
    assert set(panel["sector"]) == {"C10", "C26"}
    at11 = panel.set_index(["region", "sector", "year"]).loc[("AT11", "C10", 2019)]
    assert at11["employment"] == 2500 and at11["enterprises"] == 120
    assert at11["wages"] == 70_500_000  # 70.5 million EUR -> EUR
    # AT11 C26 2019 employment is ': c' (confidential): the row is dropped, not zero.
    assert ("AT11", "C26", 2019) not in set(
        panel[["region", "sector", "year"]].itertuples(index=False, name=None)
    )
    # AT12 C10 2019 local units ': c' -> missing, employment kept.
    at12 = panel.set_index(["region", "sector", "year"]).loc[("AT12", "C10", 2019)]
    assert math.isnan(at12["enterprises"]) and at12["employment"] == 8100
    assert set(notes["flag"]) == {"c", "p", "e"}
    assert len(notes) == 5


def test_sdmx_csv_of_nama_10r_3empers_in_persons():
    long = eurostat.read_eurostat(NAMA)
    assert long.attrs["dataset"] == "nama_10r_3empers"
    panel, notes = eurostat.to_panel(long, "nama_10r_3empers")
    table = panel.set_index(["region", "sector"])["employment"]
    assert table[("AT11", "C")] == pytest.approx(12_300)  # 12.3 thousand persons
    assert table[("AT12", "C")] == pytest.approx(95_100)
    assert table[("AT11", "F")] == pytest.approx(7_500)
    assert ("AT12", "F") not in table.index  # empty value flagged c
    assert ("AT11", "TOTAL") not in table.index  # the total is not a sector
    assert "AT111" not in set(panel["region"])  # NUTS 3 left out at --nuts-level 2
    assert table.sum() == pytest.approx(12_300 + 95_100 + 7_500)  # SAL rows filtered out
    assert set(notes["flag"]) == {"p", "e", "c"}


def test_nuts_level_3_selection():
    panel, _ = eurostat.to_panel(eurostat.read_eurostat(NAMA), "nama_10r_3empers", nuts_level=3)
    assert panel["region"].tolist() == ["AT111"] and panel["employment"].tolist() == [3000.0]


def test_context_population_keeps_totals_only():
    context = eurostat.to_context(eurostat.read_eurostat(POPULATION), "demo_r_d2jan")
    table = context.set_index(["region", "year"])["population"]
    assert table[("AT11", 2019)] == 294436 and table[("AT12", 2019)] == 1684287
    assert len(table) == 4


def test_file_with_only_flags_is_bad_input():
    with pytest.raises(BadInputError, match="only flags") as caught:
        eurostat.read_eurostat(FLAGS_ONLY)
    assert str(FLAGS_ONLY) in str(caught.value)


def test_cli_flags_only_exits_2_and_writes_nothing(tmp_path):
    code, _, err = cli("data", "eurostat", "--input", str(FLAGS_ONLY), "--out", str(tmp_path))
    assert code == 2 and "only flags" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_converts_downloaded_files_into_valid_panel_and_context(tmp_path):
    code, out, err = cli(
        "data",
        "eurostat",
        "--input",
        str(SBS),
        str(POPULATION),
        "--years",
        "2019",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    panel = load_panel(tmp_path / "panel.parquet")
    assert set(panel["year"]) == {2019}
    assert panel.attrs["source"] == "Eurostat sbs_r_nuts06_r2, Eurostat demo_r_d2jan"
    assert panel.attrs["synthetic"] is False
    sectors = load_sectors(tmp_path / "sectors.csv")
    assert sectors.set_index("code").loc["C10", "name"] == "Manufacture of food products"
    assert set(sectors["type"]) == {"other"}
    written = pd.read_csv(tmp_path / "sectors.csv")
    assert written.set_index("code")["base"].to_dict() == {"C10": True, "C26": True}
    assert "base sectors of the LQ denominator: C10, C26" in err
    context = load_context(tmp_path / "context.parquet")
    assert context["population"].tolist() == [294436.0, 1684287.0]
    assert (tmp_path / "notes.csv").is_file()
    # Then the metrics run on it with its own sector table.
    out_csv = tmp_path / "metrics.csv"
    code, _, err = cli(
        "metrics",
        "--panel",
        str(tmp_path / "panel.parquet"),
        "--sectors",
        str(tmp_path / "sectors.csv"),
        "--out",
        str(out_csv),
    )
    assert code == 0, err
    metrics = pd.read_csv(out_csv)
    assert set(metrics["sector"]) == {"C10", "C26"}


def test_divisions_and_aggregates_are_not_mixed(tmp_path):
    code, _, err = cli("data", "eurostat", "--input", str(SBS), str(NAMA), "--out", str(tmp_path))
    assert code == 2 and "counted twice" in err
    assert list(tmp_path.iterdir()) == []


def test_renamed_download_is_detected_by_content_and_dataset_option_still_wins(tmp_path):
    odd = tmp_path / "download.tsv"
    odd.write_bytes(SBS.read_bytes())
    code, _, err = cli("data", "eurostat", "--input", str(odd), "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert (
        load_panel(tmp_path / "o" / "panel.parquet").attrs["source"] == "Eurostat sbs_r_nuts06_r2"
    )
    code, _, err = cli(
        "data",
        "eurostat",
        "--input",
        str(odd),
        "--dataset",
        "sbs_r_nuts06_r2",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0, err


def test_not_a_eurostat_file(tmp_path):
    path = tmp_path / "sbs_r_nuts06_r2.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(BadInputError, match="not a Eurostat TSV"):
        eurostat.read_eurostat(path)


def test_offline_download_fails_fast_with_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("EOCIC_DATA", str(tmp_path))

    def unreachable(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(eurostat.socket, "create_connection", unreachable)
    code, _, err = cli("data", "eurostat", "--dataset", "sbs_r_nuts06_r2")
    assert code == 1
    assert "offline" in err and "--input FILE" in err
    with pytest.raises(ToolkitError):
        eurostat.fetch("demo_r_d2jan")


def test_cached_download_is_used_without_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv("EOCIC_DATA", str(tmp_path))
    cache = tmp_path / "raw" / "demo_r_d2jan.parquet"
    cache.parent.mkdir(parents=True)
    eurostat.read_eurostat(POPULATION).to_parquet(cache)

    def unreachable(*args, **kwargs):
        raise AssertionError("network used despite the cache")

    monkeypatch.setattr(eurostat.socket, "create_connection", unreachable)
    code, _, err = cli(
        "data", "eurostat", "--dataset", "demo_r_d2jan", "--out", str(tmp_path / "out")
    )
    assert code == 0, err
    assert load_context(tmp_path / "out" / "context.parquet")["population"].max() == 1684287


def test_current_sbs_dataset_in_sdmx_csv_with_confidential_status(tmp_path):
    path = FIXTURES / "sbs_r_nuts2021.sdmx.csv"
    code, _, err = cli("data", "eurostat", "--input", str(path), "--out", str(tmp_path))
    assert code == 0, err
    panel = load_panel(tmp_path / "panel.parquet")  # NUTS 2021 codes, declared: accepted
    assert panel.attrs["nuts_version"] == "2021"
    table = panel.set_index(["region", "sector"])
    assert table.loc[("HR02", "C10"), "employment"] == 14500
    assert table.loc[("HR02", "C10"), "wages"] == 201_500_000
    assert table.loc[("HR05", "J62"), "employment"] == 22000  # size class TOTAL only
    assert math.isnan(table.loc[("HR05", "J62"), "wages"])  # confidential, not zero
    assert ("HR05", "C10") not in table.index
    notes = pd.read_csv(tmp_path / "notes.csv")
    assert set(notes["flag"]) == {"p", "c", "e"}


def test_gzipped_tsv_as_downloaded_from_the_bulk_facility(tmp_path):
    import gzip

    path = tmp_path / "demo_r_d2jan.tsv.gz"
    path.write_bytes(gzip.compress(POPULATION.read_bytes()))
    assert eurostat.guess_dataset(path, eurostat.read_eurostat(path)) == "demo_r_d2jan"
    context = eurostat.to_context(eurostat.read_eurostat(path), "demo_r_d2jan", years=[2018])
    assert context["population"].tolist() == [293433.0, 1677542.0]


# --- files in Eurostat's current TSV layout, written by the tests ------------------------------


def write_tsv(path: Path, dims: list[str], rows: list[tuple[str, ...]], years=(2019,)) -> Path:
    """A TSV as the Eurostat data browser and API write it today: the first header cell
    ``freq,<dims>,geo\\TIME_PERIOD``, then one column per year whose header carries a trailing
    space; ``rows`` are (<codes of the dims>, geo, <cell per year>)."""
    header = (
        ",".join(["freq", *dims, "geo"]) + "\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in years)
    )
    width = len(dims) + 1
    lines = [header]
    for row in rows:
        assert len(row) == width + len(years), row
        lines.append(",".join(["A", *row[:width]]) + "\t" + "\t".join(row[width:]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


NAMA_DIMS = ["unit", "wstatus", "nace_r2"]
A10 = ["TOTAL", "A", "B-E", "C", "F", "G-I", "G-J", "J", "K", "L", "M-N", "O-Q", "R-U"]


def nama_rows(geos: list[str]) -> list[tuple[str, ...]]:
    """Thousand persons employed by A10 aggregate for each geo code (TOTAL = 100)."""
    shares = {"A": "5", "B-E": "20", "C": "15", "F": "7", "G-I": "25", "G-J": "29", "J": "4"}
    shares |= {"K": "3", "L": "1", "M-N": "10", "O-Q": "20", "R-U": "5", "TOTAL": "100"}
    return [("THS", "EMP", sector, geo, shares[sector] + " ") for geo in geos for sector in A10]


def test_current_tsv_layout_of_nama_10r_3empers_under_any_name(tmp_path):
    path = write_tsv(tmp_path / "download (3).tsv", NAMA_DIMS, nama_rows(["AT11", "AT12"]))
    long = eurostat.read_eurostat(path)
    assert eurostat.dimensions(long) == ["unit", "wstatus", "nace_r2"]
    assert eurostat.guess_dataset(path, long) == "nama_10r_3empers"
    panel, _ = eurostat.to_panel(long, "nama_10r_3empers")
    # 'M-N' is read as M_N; C and G-J stay (users may want them); TOTAL is not a sector
    assert sorted(set(panel["sector"])) == sorted(
        ["A", "B-E", "C", "F", "G-I", "G-J", "J", "K", "L", "M_N", "O-Q", "R-U"]
    )
    assert panel.attrs["has_total"] is True
    at11 = panel[panel["region"] == "AT11"].set_index("sector")["employment"]
    assert at11["M_N"] == 10_000 and at11["C"] == 15_000


@pytest.mark.parametrize(
    ("fixture", "dataset"),
    [
        (SBS, "sbs_r_nuts06_r2"),
        (POPULATION, "demo_r_d2jan"),
        (FIXTURES / "sbs_r_nuts2021.sdmx.csv", "sbs_r_nuts2021"),
    ],
)
def test_renamed_fixture_is_detected_by_content(tmp_path, fixture, dataset):
    suffix = ".csv" if fixture.suffix == ".csv" else ".tsv"
    renamed = tmp_path / f"download (3){suffix}"
    text = fixture.read_text()
    if suffix == ".csv":  # without the DATAFLOW column, as in a hand-trimmed export
        frame = pd.read_csv(fixture, dtype=str, keep_default_na=False).drop(columns="DATAFLOW")
        text = frame.to_csv(index=False)
    renamed.write_text(text)
    long = eurostat.read_eurostat(renamed)
    assert "dataset" not in long.attrs
    assert eurostat.guess_dataset(renamed, long) == dataset


# One file of every dataset the toolkit converts, as its dimensions and codes are published.
EVERY_DATASET = {
    "sbs_r_nuts06_r2": (["indic_sb", "nace_r2"], [("V16110", "C10"), ("V91110", "C10")]),
    "sbs_r_nuts2021": (
        ["nace_r2", "size_emp", "indic_sbs"],
        [("C10", "TOTAL", "EMP_LOC_NR"), ("C10", "0-9", "LOC_NR")],
    ),
    "nama_10r_3empers": (NAMA_DIMS, [("THS", "EMP", "C"), ("THS", "SAL", "C"), ("PC", "EMP", "C")]),
    "demo_r_d2jan": (["unit", "sex", "age"], [("NR", "T", "TOTAL"), ("NR", "F", "Y_LT5")]),
    "nama_10r_2gdp": (["unit"], [("MIO_EUR",), ("PPS_EU27_2020_HAB",)]),
    "rd_e_gerdreg": (["sectperf", "unit"], [("TOTAL", "PC_GDP"), ("BES", "MIO_EUR")]),
    "lfst_r_lfe2emp": (
        ["unit", "sex", "age"],
        [("THS_PER", "T", "Y15-74"), ("THS_PER", "M", "Y15-64")],
    ),
    "lfst_r_lfu3rt": (
        ["isced11", "sex", "age", "unit"],
        [("TOTAL", "T", "Y15-74", "PC"), ("ED0-2", "T", "Y20-64", "PC")],
    ),
    "edat_lfse_04": (
        ["sex", "isced11", "age", "unit"],
        [("T", "ED5-8", "Y25-64", "PC"), ("T", "ED3_4", "Y25-64", "PC")],
    ),
    "bd_hgnace2_r3": (["indic_sb", "nace_r2"], [("V97020", "B-S_X_K642"), ("V11910", "C")]),
}


def test_every_known_dataset_has_a_test_file():
    assert set(EVERY_DATASET) == set(eurostat.PANEL_SOURCES) | set(eurostat.CONTEXT_SOURCES)


@pytest.mark.parametrize("dataset", sorted(EVERY_DATASET))
def test_each_dataset_is_detected_by_its_dimensions_and_codes(tmp_path, dataset):
    dims, keys = EVERY_DATASET[dataset]
    rows = [(*k, geo, "12.5 ") for k in keys for geo in ("AT11", "AT12")]
    path = write_tsv(tmp_path / "data.tsv", dims, rows)
    assert eurostat.guess_dataset(path, eurostat.read_eurostat(path)) == dataset


def test_content_beats_a_misleading_file_name(tmp_path):
    path = tmp_path / "demo_r_d2jan.tsv"
    path.write_bytes(SBS.read_bytes())
    assert eurostat.guess_dataset(path, eurostat.read_eurostat(path)) == "sbs_r_nuts06_r2"


def test_file_name_breaks_a_tie_and_dataset_option_overrides(tmp_path):
    # Both the unemployment rate's codes (Y15-74, TOTAL) and the attainment's (Y25-64, ED5-8)
    dims = ["isced11", "sex", "age", "unit"]
    rows = [
        ("TOTAL", "T", "Y15-74", "PC", "AT11", "4.5 "),
        ("ED5-8", "T", "Y25-64", "PC", "AT11", "33.1 "),
    ]
    tied = write_tsv(tmp_path / "data.tsv", dims, rows)
    with pytest.raises(BadInputError, match="fits lfst_r_lfu3rt and edat_lfse_04 alike"):
        eurostat.guess_dataset(tied, eurostat.read_eurostat(tied))
    named = write_tsv(tmp_path / "edat_lfse_04 (1).tsv", dims, rows)
    assert eurostat.guess_dataset(named, eurostat.read_eurostat(named)) == "edat_lfse_04"
    out = tmp_path / "out"
    code, _, err = cli(
        "data", "eurostat", "--input", str(tied), "--dataset", "lfst_r_lfu3rt", "--out", str(out)
    )
    assert code == 0, err
    assert load_context(out / "context.parquet")["unemployment_rate"].tolist() == [4.5]


def test_unknown_dataset_is_bad_input_listing_the_dimensions(tmp_path):
    path = write_tsv(
        tmp_path / "download.tsv", ["unit", "na_item"], [("MIO_EUR", "B1G", "AT11", "40000 ")]
    )
    with pytest.raises(BadInputError) as caught:
        eurostat.guess_dataset(path, eurostat.read_eurostat(path))
    text = str(caught.value)
    assert text.startswith(f"{path}: cannot tell which Eurostat dataset this is")
    assert "its dimensions are unit, na_item, geo (and time)" in text
    assert "  - sbs_r_nuts06_r2: indic_sb (V16110, V11210 or V13320), nace_r2, geo" in text
    assert "  - nama_10r_3empers: unit (THS), wstatus (EMP), nace_r2, geo" in text
    assert "  - demo_r_d2jan: unit (NR), sex (T), age (TOTAL), geo" in text
    # unit is there, but not with a code nama_10r_2gdp is read for
    assert (
        "  - nama_10r_2gdp: unit (PPS_EU27_2020_HAB or PPS_HAB), geo (this file has those "
        "dimensions but none of the unit codes)" in text
    )
    code, _, err = cli("data", "eurostat", "--input", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and "na_item" in err and "--dataset" in err
    assert not (tmp_path / "o").exists()


def test_one_dataset_code_per_input_file(tmp_path):
    code, _, err = cli(
        "data", "eurostat", "--input", str(SBS), str(POPULATION), "--dataset", "sbs_r_nuts06_r2"
    )
    assert code == 2 and "one --dataset per --input file" in err


GEOS = ["AT11", "AT12", "ATZZ", "ITZZ", "FRZZ", "ITZZZ", "AT", "EU27_2020", "EA19", "AT111"]


def test_extra_regio_and_totals_are_left_out_and_counted(tmp_path):
    path = write_tsv(tmp_path / "nama_10r_3empers.tsv", NAMA_DIMS, nama_rows(GEOS))
    panel, _ = eurostat.to_panel(eurostat.read_eurostat(path), "nama_10r_3empers")
    assert set(panel["region"]) == {"AT11", "AT12"}  # EA19 is no NUTS-2 region either
    assert panel.attrs["notes"] == [
        "left out 3 extra-regio codes: ATZZ, FRZZ, ITZZ (territory outside any region)",
        "left out 3 national or EU totals (EU27_2020, EA19, AT): --benchmark EU27_2020 needs "
        "them, keep them with --keep-benchmark",
    ]
    level3, _ = eurostat.to_panel(eurostat.read_eurostat(path), "nama_10r_3empers", nuts_level=3)
    assert set(level3["region"]) == {"AT111"}
    assert level3.attrs["notes"][0] == (
        "left out 1 extra-regio code: ITZZZ (territory outside any region)"
    )


def test_context_leaves_extra_regio_out(tmp_path):
    rows = [("NR", "T", "TOTAL", geo, "1000 ") for geo in ["AT11", "ITZZ", "EU27_2020"]]
    path = write_tsv(tmp_path / "pop.tsv", ["unit", "sex", "age"], rows)
    context = eurostat.to_context(eurostat.read_eurostat(path), "demo_r_d2jan")
    assert context["region"].tolist() == ["AT11"]
    assert context.attrs["notes"][0] == (
        "left out 1 extra-regio code: ITZZ (territory outside any region)"
    )
    kept = eurostat.to_context(eurostat.read_eurostat(path), "demo_r_d2jan", keep_benchmark=True)
    assert kept["region"].tolist() == ["AT11", "EU27_2020"]


def test_keep_benchmark_keeps_eu_and_national_totals(tmp_path):
    path = write_tsv(tmp_path / "download.tsv", NAMA_DIMS, nama_rows(GEOS))
    panel, _ = eurostat.to_panel(
        eurostat.read_eurostat(path), "nama_10r_3empers", keep_benchmark=True
    )
    assert set(panel["region"]) == {"AT11", "AT12", "AT", "EU27_2020", "EA19"}
    assert panel.attrs["notes"][1] == (
        "kept 3 national or EU totals beside the regions (EU27_2020, EA19, AT) "
        "for --benchmark EU27_2020"
    )
    out = tmp_path / "out"
    code, _, err = cli(
        "data", "eurostat", "--input", str(path), "--keep-benchmark", "--out", str(out)
    )
    assert code == 0, err
    assert "note: nama_10r_3empers: kept 3 national or EU totals" in err
    written = load_panel(out / "panel.parquet")
    assert "EU27_2020" in set(written["region"]) and "ITZZ" not in set(written["region"])
    code, _, err = cli("data", "eurostat", "--input", str(path), "--out", str(tmp_path / "o2"))
    assert code == 0 and "left out 3 extra-regio codes: ATZZ, FRZZ, ITZZ" in err
    assert "EU27_2020" not in set(load_panel(tmp_path / "o2" / "panel.parquet")["region"])


def test_a10_sector_table_marks_the_overlapping_aggregates_not_base(tmp_path):
    path = write_tsv(tmp_path / "download (3).tsv", NAMA_DIMS, nama_rows(["AT11", "AT12"]))
    code, _, err = cli("data", "eurostat", "--input", str(path), "--out", str(tmp_path))
    assert code == 0, err
    sectors = pd.read_csv(tmp_path / "sectors.csv")
    assert list(sectors.columns) == ["code", "name", "type", "description", "base"]
    base = sectors.set_index("code")["base"].to_dict()
    assert base == {
        "A": True,
        "B-E": True,
        "C": False,
        "F": True,
        "G-I": True,
        "G-J": False,
        "J": True,
        "K": True,
        "L": True,
        "M_N": True,
        "O-Q": True,
        "R-U": True,
        "TOTAL": False,
    }
    assert (
        "note: base sectors of the LQ denominator: A, B-E, F, G-I, J, K, L, M_N, O-Q, R-U "
        "(10 NACE codes that do not overlap); left out as overlapping: C (inside B-E), "
        "G-J (= G-I + J); TOTAL (all activities) is not a sector of the panel" in err
    )
    # the base sectors add up to the TOTAL of the file (100 thousand persons per region)
    panel = load_panel(tmp_path / "panel.parquet")
    in_base = panel["sector"].isin([c for c, b in base.items() if b])
    assert panel[in_base].groupby("region")["employment"].sum().tolist() == [100_000, 100_000]
    assert "TOTAL" not in set(panel["sector"])
    # the written table loads as a sector file
    assert set(load_sectors(tmp_path / "sectors.csv")["code"]) >= set(panel["sector"])
