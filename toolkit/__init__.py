"""EOCIC Cluster Toolkit: cluster mapping, Regional Ecosystem Scoreboard and regional assessments.

The package keeps loading (``data``, ``reference``, ``parameters``) before the pure computation
(``metrics``, ``scoreboard``, ``assessment``) and the presentation (``charts``, ``explorers``)
after it, so the reports, the apps and the CLI share one tested core.
"""

__version__ = "0.1.0"
