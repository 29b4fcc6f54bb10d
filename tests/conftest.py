"""Shared fixtures: small hand-made panels, the project's reference tables and the apps' data
(the demo workspace) with a fresh selection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pytest

if TYPE_CHECKING:
    from toolkit.apps.data import AppData


@pytest.fixture
def tiny_panel() -> pd.DataFrame:
    """Three regions, two traded sectors (X, Y) and one emerging industry (Z), 2015 and 2020.

    The expected metrics in test_metrics.py are worked out by hand from these numbers.
    """
    rows = [
        # region, sector, year, employment, enterprises, wages (EUR)
        ("A", "X", 2015, 50, 5, 2_000_000),
        ("A", "Y", 2015, 300, 20, 9_000_000),
        ("A", "Z", 2015, 40, 4, 1_600_000),
        ("B", "X", 2015, 200, 10, 6_000_000),
        ("B", "Y", 2015, 200, 15, 6_000_000),
        ("C", "X", 2015, 700, 30, 28_000_000),
        ("C", "Y", 2015, 100, 10, 3_000_000),
        ("A", "X", 2020, 100, 8, 5_000_000),
        ("A", "Y", 2020, 300, 21, 9_000_000),
        ("A", "Z", 2020, 50, 5, 2_000_000),
        ("B", "X", 2020, 200, 11, 6_000_000),
        ("B", "Y", 2020, 200, 14, 6_000_000),
        ("C", "X", 2020, 700, 29, 28_000_000),
        ("C", "Y", 2020, 100, 9, 3_000_000),
    ]
    return pd.DataFrame(
        rows, columns=["region", "sector", "year", "employment", "enterprises", "wages"]
    )


@pytest.fixture
def tiny_sectors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["X", "Y", "Z"],
            "name": ["Sector X", "Sector Y", "Industry Z"],
            "type": ["traded", "traded", "emerging"],
            "description": ["", "", ""],
        }
    )


@pytest.fixture(scope="module")
def data() -> AppData:
    """The apps' caches over the demo workspace, built once per test module."""
    from toolkit import explorers as E
    from toolkit.workspace import Workspace

    return E.AppData(Workspace.load())


@pytest.fixture
def fresh_selection(data):
    """Each test starts as a new page does: nothing selected yet (views share the page's
    selection, so one test's choice would otherwise carry into the next). Not autouse: a
    module asks for it with ``pytestmark = pytest.mark.usefixtures("fresh_selection")``."""
    from toolkit import explorers as E

    data.selection = E.Selection()
