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


def test_unknown_dataset_name_is_asked_for(tmp_path):
    odd = tmp_path / "download.tsv"
    odd.write_bytes(SBS.read_bytes())
    code, _, err = cli("data", "eurostat", "--input", str(odd), "--out", str(tmp_path / "o"))
    assert code == 2 and "--dataset" in err
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
