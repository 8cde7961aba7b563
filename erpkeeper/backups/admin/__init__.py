"""Console pages for backups: destinations, policies, backups and restores, drills.

The target's page shows a backup panel (``panel``); the dashboard's cards use ``health``.
"""

from erpkeeper.backups.admin import (  # noqa: F401  (registers the ModelAdmins)
    backups,
    destinations,
    drills,
    policies,
)
