"""The service desk's background thread: SLA clocks past 80 % and 100 % raise their notices,
and mail still pending (the SMTP server was down) is sent again. Every
ERPKEEPER_SERVICEDESK_INTERVAL seconds (default 30; 0 turns it off, e.g. on a second worker)."""

from __future__ import annotations

import logging
import threading

from erpkeeper.core.audit import audit_context
from erpkeeper.core.loops import PeriodicLoop, Round
from erpkeeper.servicedesk.services import evaluate_sla, send_pending

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:servicedesk"


def servicedesk_round() -> Round:
    def run_round() -> None:
        with audit_context(actor_name=SYSTEM_ACTOR, source="system"):
            counts = evaluate_sla()
            sent = send_pending()
        if counts["breached"] or counts["warning"] or sent:
            logger.info("servicedesk: %s, %d mails sent", counts, sent)

    return run_round, lambda: None


LOOP = PeriodicLoop("service desk", "SERVICEDESK_INTERVAL", servicedesk_round)


def start_servicedesk_loop(
    stop_event: threading.Event, interval: float | None = None
) -> threading.Thread | None:
    return LOOP.start(stop_event, interval)
