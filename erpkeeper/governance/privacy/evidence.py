"""Compliance evidence offered by governance.privacy (declared on GovernanceConfig)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.core.runs import RunStatus
from erpkeeper.governance.privacy.models import PrivacyScan
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus

PERSONAL_DATA_MAPPED = "privacy.personal_data_mapped"
MAX_AGE = dt.timedelta(days=90)


def personal_data_mapped(scope: EvidenceScope) -> list[Evidence]:
    """Per target: PASS when a scan succeeded within 90 days before ``scope.until``, FAIL
    otherwise (no scan, or only older or failed ones)."""
    return [_one(target_id, scope.until) for target_id in scope.target_ids]


def _one(target_id: int, until: dt.datetime) -> Evidence:
    newest = (
        PrivacyScan.objects.filter(
            target_id=target_id, status=RunStatus.SUCCEEDED, started__lte=until
        )
        .order_by("-started")
        .first()
    )
    if newest is not None and newest.started >= until - MAX_AGE:
        return Evidence(
            PERSONAL_DATA_MAPPED,
            EvidenceStatus.PASS,
            _("Personal data mapped on %(date)s: %(findings)s findings in %(columns)s columns.")
            % {
                "date": newest.started.date().isoformat(),
                "findings": newest.findings_count,
                "columns": newest.columns_scanned,
            },
            newest.started,
            target_id,
            {"scan_id": newest.pk, "findings": newest.findings_count},
        )
    if newest is None:
        summary = _("No personal-data scan of this target has succeeded.")
    else:
        summary = _("The newest personal-data scan is from %(date)s, over 90 days old.") % {
            "date": newest.started.date().isoformat()
        }
    return Evidence(
        PERSONAL_DATA_MAPPED,
        EvidenceStatus.FAIL,
        summary,
        newest.started if newest else None,
        target_id,
        {"scan_id": newest.pk} if newest else {},
    )


COLLECTORS = (
    EvidenceCollector(
        PERSONAL_DATA_MAPPED,
        gettext_lazy("Personal data in the ERP mapped within 90 days"),
        personal_data_mapped,
        gettext_lazy(
            "A personal-data scan of the target's ERP database succeeded in the last 90 days, "
            "so the data map (which model holds which category) is current."
        ),
    ),
)
