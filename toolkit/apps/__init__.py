# ruff: noqa: F401
"""The Voilà web apps (ipywidgets): one module per view, and a small shared part.

``state`` (the selection and its URL form, pure), ``data`` (the kernel's workspace and
caches), ``panels`` (chart and table panels, HTML table, CSS), ``figures`` (the charts),
``base`` (the ``Explorer`` base: navigation, URL, JavaScript bridge, comparison box),
``database`` (the whole data base download); the views: ``landing``, ``overview``,
``portfolio``, ``sector``, ``map``, ``scoreboard``, ``trends``, ``help``; ``tabs`` (all views
on one page, ``open_view``). ``toolkit.explorers`` re-exports all of it.
"""

from toolkit.apps.base import (  # noqa: F401
    PAGES as PAGE_MENU,
)
from toolkit.apps.base import (
    SECTOR_TYPES,
    CompareBox,
    Explorer,
    Script,
    sector_type_options,
)
from toolkit.apps.data import (  # noqa: F401
    _WORKSPACES,
    AppData,
    _as_data,
    all_years_metrics,
    mpl_text,
    region_label,
    workspace_from_env,
)
from toolkit.apps.database import DatabaseDownload, database_table  # noqa: F401
from toolkit.apps.figures import (  # noqa: F401  # noqa: F401
    STAR_COLOURS,
    bar_chart,
    bubble_chart,
    heatmap,
    histogram,
    trend_chart,
)
from toolkit.apps.help import Help  # noqa: F401
from toolkit.apps.landing import Landing  # noqa: F401
from toolkit.apps.map import ClusterStrengthMap  # noqa: F401
from toolkit.apps.network import RelatedClusters  # noqa: F401
from toolkit.apps.overview import (  # noqa: F401
    RegionalPerformanceOverview,
    cluster_table,
    indicator_table,
)
from toolkit.apps.panels import CSS, ChartPanel, Downloads, TablePanel, html_table  # noqa: F401
from toolkit.apps.partners import PartnerFinder  # noqa: F401
from toolkit.apps.portfolio import RANKINGS, RegionalClusterPortfolio  # noqa: F401
from toolkit.apps.scoreboard import EcosystemScoreboard, standing  # noqa: F401
from toolkit.apps.sector import SORT_COLUMNS, DataBySector, region_table  # noqa: F401
from toolkit.apps.state import MAX_COMPARED, Selection, page_link  # noqa: F401
from toolkit.apps.tabs import PAGES, VIEWS, ClusterMappingApp, open_view  # noqa: F401
from toolkit.apps.trends import Trends, trend_rows  # noqa: F401
