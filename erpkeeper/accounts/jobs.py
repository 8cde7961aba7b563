"""Scheduled work of accounts: team announcements whose start has come are sent."""

from erpkeeper.accounts.teams import services as teams
from erpkeeper.core.scheduler import register_periodic

register_periodic(
    "accounts.announcements",
    cron="*/5 * * * *",
    call=teams.send_due_announcements,
    description="team announcements whose start has come",
)
