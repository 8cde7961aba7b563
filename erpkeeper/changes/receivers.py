"""A successful target check hands its facts to the version history (a receiver writing into
this app only: targets, below, knows nothing of changes)."""

from __future__ import annotations

import logging

from erpkeeper.changes.services.versions import record_versions
from erpkeeper.targets.services import target_checked

logger = logging.getLogger(__name__)


def on_target_checked(sender, target, facts, **kwargs) -> None:
    try:
        record_versions(target, facts)
    except Exception:
        # The check itself succeeded and is stored; a history that could not be written is
        # logged, never a failed check.
        logger.exception("version history of %s not recorded", target)


def connect() -> None:
    target_checked.connect(on_target_checked, dispatch_uid="changes.versions")
