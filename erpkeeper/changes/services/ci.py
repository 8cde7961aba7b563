"""CI webhooks: per-source secrets, and ``receive`` which authenticates a payload, reads it and
records the pipeline run, attached to a change (an explicit number, or one found in the branch
name or commit message) and to the target whose custom modules the repository holds.

Nothing is written unless the payload is authentic and complete: ``Unauthenticated`` (401) and
``PayloadError`` (400) are raised before any write.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.changes.ci import READERS, ParsedRun, PayloadError, Unauthenticated
from erpkeeper.changes.models import ChangeRequest, CiSecret, CiSource, PipelineRun, Repository
from erpkeeper.lib import crypto

MAX_BODY = 2 * 1024 * 1024
LIMITS = {"repository": 255, "branch": 255, "commit": 64, "url": 500}


def set_secret(source: str) -> str:
    """A new random secret for ``source`` (the old one stops working); shown this once."""
    if source not in CiSource.values:
        raise PayloadError(
            _("Unknown CI source %(source)s; known: %(known)s.")
            % {"source": source, "known": ", ".join(CiSource.values)}
        )
    plain = secrets.token_urlsafe(32)
    CiSecret.objects.update_or_create(source=source, defaults={"secret": crypto.encrypt(plain)})
    return plain


def receive(source: str, headers, body: bytes) -> PipelineRun | None:
    """Record the run ``body`` reports; None when the event is not a pipeline run (a ping)."""
    reader = READERS[source]
    reader.authenticate(headers, body, _secret(source))
    parsed = reader.parse(headers, _json(body))
    if parsed is None:
        return None
    return record(source, parsed)


def record(source: str, parsed: ParsedRun) -> PipelineRun:
    values = asdict(parsed)
    number = values.pop("change_number")
    external_id = values.pop("external_id")
    change = _change(number, parsed)
    mapped = Repository.objects.filter(name=parsed.repository).select_related("target").first()
    for name, limit in LIMITS.items():
        values[name] = values[name][:limit]
    values["change"] = change
    values["target"] = mapped.target if mapped else None
    with transaction.atomic():
        run, _created = PipelineRun.objects.update_or_create(
            source=source, external_id=external_id, defaults=values
        )
    return run


def change_numbers(text: str) -> list[str]:
    """Change numbers (CHG-2026-000012) mentioned in a branch name or commit message."""
    prefix = re.escape(settings.CHANGES_PREFIX)
    return re.findall(rf"{prefix}-\d{{4}}-\d{{6,}}", text or "")


def _change(number: str, parsed: ParsedRun) -> ChangeRequest | None:
    if number:
        found = ChangeRequest.objects.filter(number=number).first()
        if found is None:
            raise PayloadError(_("No change %(number)s.") % {"number": number})
        return found
    for candidate in change_numbers(parsed.branch) + change_numbers(parsed.commit_message):
        found = ChangeRequest.objects.filter(number=candidate).first()
        if found is not None:
            return found
    return None


def _secret(source: str) -> str:
    stored = CiSecret.objects.filter(source=source).first()
    if stored is None:
        raise Unauthenticated(
            _("No secret is set for %(source)s: run erpkeeper change ci-secret %(source)s.")
            % {"source": source}
        )
    return crypto.decrypt(stored.secret)


def _json(body: bytes) -> dict:
    if len(body) > MAX_BODY:
        raise PayloadError(_("The payload is larger than 2 MB."))
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PayloadError(_("The body is not JSON.")) from None
    if not isinstance(payload, dict):
        raise PayloadError(_("The body must be a JSON object."))
    return payload
