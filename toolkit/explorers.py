"""Interactive explorers (ipywidgets) for JupyterLab and the Voilà apps: a thin re-export of
``toolkit.apps`` (one module per view there), so ``from toolkit.explorers import open_view``
and ``E.RegionalPerformanceOverview(ws)`` keep working.

Use in JupyterLab: ``display(RegionalPerformanceOverview(ws))``; in the apps: ``open_view(name)``
(the data sources come from the ``EOCIC_APP_SOURCES`` environment variable, see
``workspace_from_env``).
"""

from toolkit.apps import *  # noqa: F403
from toolkit.apps import __dict__ as _apps

# the names the package exports, private helpers included (tests and notebooks use them)
globals().update({k: v for k, v in _apps.items() if not k.startswith("__")})
