"""The assets' daily work: warranty, end-of-life and licence notices; health scores (age moves
on); inspections scheduled for assets that have none open."""

from __future__ import annotations

from erpkeeper.assets import services
from erpkeeper.core.scheduler import register_periodic


def daily() -> dict:
    return {
        "notices": services.raise_due_notices(),
        "health": services.refresh_all(),
        "inspections": services.schedule_inspections(),
    }


register_periodic(
    "assets.daily",
    cron="20 6 * * *",
    call=daily,
    description="warranty, end-of-life and licence notices; health scores; inspections",
)
