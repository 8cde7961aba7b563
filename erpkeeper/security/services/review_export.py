"""The evidence of an access review campaign, as PDF or XLSX in the reader's language: every
item with its decision and comment, the progress per reviewer, the remediation requests with
what the next snapshot found, and the audit chain's head hash at export time (the chain can
later be verified to still hold this entry unchanged)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.core.audit.verify import verify
from erpkeeper.lib.exports import xlsx_bytes
from erpkeeper.lib.pdf import pdf_bytes
from erpkeeper.security.review_models import Campaign
from erpkeeper.security.services.reviews import progress, totals

FORMATS = ("pdf", "xlsx")


def language_of(user) -> str:
    """The user's chosen language, else the platform's."""
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def chain_head() -> dict:
    """The audit chain's head now: its sequence, its hash and whether the chain is intact."""
    result = verify()
    return {"sequence": result.head_sequence, "hash": result.head_hash, "intact": result.ok}


def export_campaign(campaign: Campaign, fmt: str, language: str | None = None) -> bytes:
    """The campaign's evidence as ``fmt`` (pdf or xlsx); ValueError for another format,
    lib.pdf.PdfUnavailable where no PDF can be made."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    language = language or settings.LANGUAGE_CODE
    head = chain_head()
    with translation.override(language):
        if fmt == "xlsx":
            return xlsx_bytes(item_rows(campaign, head), item_columns(), title=campaign.name)
        return pdf_bytes(render_evidence(campaign, head, language))


def export_filename(campaign: Campaign, fmt: str) -> str:
    return f"access-review-{campaign.pk}-{timezone.localdate():%Y%m%d}.{fmt}"


def item_columns() -> list[tuple[str, str]]:
    return [
        ("target", _("Target")),
        ("login", _("ERP login")),
        ("name", _("Name")),
        ("access", _("Access reviewed")),
        ("reviewer", _("Reviewer")),
        ("decision", _("Decision")),
        ("comment", _("Comment")),
        ("decided_at", _("Decided at")),
        ("remediation", _("Remediation")),
        ("exported", _("Exported at")),
        ("audit_head", _("Audit chain head (sequence:hash)")),
    ]


def item_rows(campaign: Campaign, head: dict) -> list[dict]:
    exported = timezone.localtime().replace(tzinfo=None, microsecond=0)
    head_text = f"{head['sequence']}:{head['hash']}"  # as audit verify --anchor takes it
    rows = []
    items = campaign.items.select_related("reviewer", "request").order_by("target_name", "login")
    for item in items:
        request = getattr(item, "request", None)
        rows.append(
            {
                "target": item.target_name,
                "login": item.login,
                "name": item.user_name,
                "access": str(item.access_text),
                "reviewer": item.reviewer.get_username(),
                "decision": item.get_decision_display(),
                "comment": item.comment,
                "decided_at": timezone.localtime(item.decided_at).replace(tzinfo=None)
                if item.decided_at
                else None,
                "remediation": request.get_state_display() if request else "",
                "exported": exported,
                "audit_head": head_text,
            }
        )
    return rows


def render_evidence(campaign: Campaign, head: dict, language: str) -> str:
    """The printable evidence in ``language``, whatever language the caller has active."""
    items = campaign.items.select_related("reviewer", "request").order_by("target_name", "login")
    with translation.override(language):
        return _render_evidence(campaign, head, language, items)


def _render_evidence(campaign: Campaign, head: dict, language: str, items) -> str:
    return render_to_string(
        "security/review_evidence.html",
        {
            "LANGUAGE_CODE": language,
            "campaign": campaign,
            "targets": ", ".join(t.name for t in campaign.targets.order_by("name")),
            "totals": totals(campaign),
            "progress": progress(campaign),
            "items": items,
            "requests": campaign.requests.select_related("checked_snapshot"),
            "head": head,
            "generated": timezone.now(),
        },
    )
