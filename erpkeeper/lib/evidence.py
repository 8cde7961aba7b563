"""Compliance evidence: the facts an app offers about itself, read by governance.compliance.

An app declares collectors on its AppConfig (``evidence = ("erpkeeper.backups.evidence:
COLLECTORS",)``). A collector has a stable ``key`` (``"backups.offsite_within_rpo"``), a title
and ``collect(scope)``, which returns one ``Evidence`` per target in the scope (or one with
``target_id=None`` for a platform-wide fact such as "2FA required for administrators"). A
collector never passes for lack of data: with nothing to judge it says NOT_AVAILABLE, and with
no record in the period it says FAIL. Evidence holds counts, dates and identifiers of
ERPKeeper's own records, never personal data read from an ERP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceStatus(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    PARTIAL = "partial", _("Partial")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NOT_AVAILABLE = "not_available", _("Not available")


@dataclass(frozen=True)
class EvidenceScope:
    """What to judge: these targets (their ids; empty means platform-wide facts only) over
    the period ending at ``until`` (a collector decides how far back its fact may be)."""

    target_ids: Sequence[int]
    until: dt.datetime
    since: dt.datetime | None = None


@dataclass(frozen=True)
class Evidence:
    key: str  # the collector's key
    status: EvidenceStatus
    summary: str  # translated, one line, numbers and dates only
    observed_at: dt.datetime | None  # when the fact was true (the backup's time, the drill's)
    target_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # JSON-safe numbers and record ids


@dataclass(frozen=True)
class EvidenceCollector:
    key: str
    title: Any  # a lazy translation
    collect: Callable[[EvidenceScope], list[Evidence]]
    description: Any = ""
