"""The pages: ``VIEWS`` (name -> view class), the all-views page in tabs over one shared
``AppData`` (one selection), and ``open_view``, the one call an app notebook makes."""

from __future__ import annotations

import ipywidgets as W

from toolkit.apps.base import Explorer, query_string_now
from toolkit.apps.data import AppData, _as_data
from toolkit.apps.help import Help
from toolkit.apps.landing import Landing
from toolkit.apps.map import ClusterStrengthMap
from toolkit.apps.network import RelatedClusters
from toolkit.apps.overview import RegionalPerformanceOverview
from toolkit.apps.partners import PartnerFinder
from toolkit.apps.portfolio import RegionalClusterPortfolio
from toolkit.apps.scoreboard import EcosystemScoreboard
from toolkit.apps.sector import DataBySector
from toolkit.apps.state import Selection
from toolkit.apps.trends import Trends
from toolkit.workspace import Workspace

VIEWS: dict[str, type[Explorer]] = {
    "overview": RegionalPerformanceOverview,
    "portfolio": RegionalClusterPortfolio,
    "sector": DataBySector,
    "map": ClusterStrengthMap,
    "scoreboard": EcosystemScoreboard,
    "trends": Trends,
    "network": RelatedClusters,
    "partners": PartnerFinder,
    "help": Help,
}
PAGES = {"index": Landing, **VIEWS}


class ClusterMappingApp:
    """All views in tabs over one ``AppData``; a tab's view is built the first time it is
    opened (so the first page shows quickly) and takes the selection the other tabs left."""

    def __init__(self, source: Workspace | AppData | None = None):
        self.data = _as_data(source)
        self.views: dict[str, Explorer] = {}
        self._names = list(VIEWS)
        self._boxes = [W.VBox() for _ in self._names]
        self.tabs = W.Tab(children=self._boxes)
        for i, name in enumerate(self._names):
            self.tabs.set_title(i, VIEWS[name].title)
        self.tabs.add_class("eocic-app")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget = self.tabs
        query = query_string_now()
        if query:
            self.data.selection = Selection.from_query(query)
        first = self.data.selection.view
        self.open(first if first in VIEWS else self._names[0])

    def open(self, name: str) -> Explorer:
        """Build (once) and select the view ``name`` (a key of ``VIEWS``); a view built
        before takes the current selection."""
        i = self._names.index(name)
        if name not in self.views:
            view = VIEWS[name](self.data)
            view.in_tabs = True
            self.views[name] = view
            self._boxes[i].children = (view.widget,)
        else:
            view = self.views[name]
            view.apply_selection(self.data.selection)
            view.refresh()
        view._remember()
        if self.tabs.selected_index != i:
            self.tabs.selected_index = i
        return view

    def _on_tab(self, change) -> None:
        if change["new"] is not None:
            self.open(self._names[change["new"]])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def open_view(name: str = "app") -> Explorer | ClusterMappingApp:
    """Build the page ``name`` (``app`` for all views in tabs, ``index`` for the start page)
    on the app kernel's workspace and display it."""
    from IPython.display import display

    data = _as_data(None)
    view = ClusterMappingApp(data) if name == "app" else PAGES[name](data)
    display(view.widget)
    return view
