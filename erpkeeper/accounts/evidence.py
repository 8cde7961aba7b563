"""Compliance evidence from accounts: two-factor authentication required for ERPKeeper's
administrators, and every active administrator enrolled (a platform-wide fact)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts.services.two_factor import required_roles
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus
from erpkeeper.lib.roles import Role

TWO_FACTOR_KEY = "accounts.admin_two_factor"


def admin_two_factor(scope: EvidenceScope) -> list[Evidence]:
    """Passes when the Administrator role must use 2FA and every active administrator has a
    confirmed device; partial when it is required but someone has not enrolled yet."""
    admins = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR.value), is_active=True
    )
    admin_ids = set(admins.values_list("pk", flat=True))
    enrolled = set(
        TOTPDevice.objects.filter(user_id__in=admin_ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    details = {"administrators": len(admin_ids), "enrolled": len(enrolled)}
    now = timezone.now()
    if Role.ADMINISTRATOR not in required_roles():
        text = _("Two-factor authentication is not required for administrators")
        return [Evidence(TWO_FACTOR_KEY, EvidenceStatus.FAIL, text, now, None, details)]
    status = EvidenceStatus.PASS if enrolled >= admin_ids else EvidenceStatus.PARTIAL
    text = _("2FA required for administrators; %(enrolled)d of %(admins)d enrolled") % {
        "enrolled": len(enrolled),
        "admins": len(admin_ids),
    }
    return [Evidence(TWO_FACTOR_KEY, status, text, now, None, details)]


COLLECTORS = (
    EvidenceCollector(
        TWO_FACTOR_KEY,
        gettext_lazy("Two-factor authentication required for administrators"),
        admin_two_factor,
    ),
)
