"""The generic JSON form, for any CI server that can POST JSON with a bearer token:

    {"id": "build-42", "repository": "erp/custom-modules", "branch": "CHG-2026-000003-fix",
     "commit": "9f2c...", "message": "...", "status": "success",
     "tests": {"total": 120, "failed": 0, "skipped": 3}, "url": "https://ci/builds/42",
     "started": "2026-12-08T10:00:00Z", "finished": "2026-12-08T10:06:00Z",
     "change": "CHG-2026-000003"}

``status`` is one of running, success, failed, canceled; ``change`` is optional.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from erpkeeper.changes.ci.base import ParsedRun, PayloadError, Reader, count, moment, need
from erpkeeper.changes.models import CiSource, PipelineStatus

STATUSES = ("running", "success", "failed", "canceled")


class GenericReader(Reader):
    source = CiSource.GENERIC

    def parse(self, headers, payload: dict) -> ParsedRun:
        status = str(need(payload, "status")).lower()
        if status not in STATUSES:
            raise PayloadError(
                _("status must be one of %(values)s.") % {"values": ", ".join(STATUSES)}
            )
        tests = payload.get("tests") or {}
        if not isinstance(tests, dict):
            raise PayloadError(_("tests must be an object with total, failed and skipped."))
        return ParsedRun(
            external_id=str(need(payload, "id"))[:100],
            repository=str(need(payload, "repository")),
            status=PipelineStatus(status),
            branch=str(payload.get("branch") or ""),
            commit=str(payload.get("commit") or ""),
            commit_message=str(payload.get("message") or ""),
            url=str(payload.get("url") or ""),
            started=moment(payload.get("started")),
            finished=moment(payload.get("finished")),
            tests_total=count(tests.get("total")),
            tests_failed=count(tests.get("failed")),
            tests_skipped=count(tests.get("skipped")),
            change_number=str(payload.get("change") or ""),
        )
