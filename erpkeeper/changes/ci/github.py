"""GitHub Actions ``workflow_run`` events, signed with ``X-Hub-Signature-256`` (HMAC-SHA256 of
the body with the webhook's secret). A ``ping`` is answered and recorded as nothing."""

from __future__ import annotations

import hashlib
import hmac

from django.utils.translation import gettext as _

from erpkeeper.changes.ci.base import ParsedRun, PayloadError, Reader, Unauthenticated, moment, need
from erpkeeper.changes.models import CiSource, PipelineStatus

CONCLUSIONS = {
    "success": PipelineStatus.SUCCESS,
    "failure": PipelineStatus.FAILED,
    "timed_out": PipelineStatus.FAILED,
    "startup_failure": PipelineStatus.FAILED,
    "cancelled": PipelineStatus.CANCELED,
}


class GitHubReader(Reader):
    source = CiSource.GITHUB

    def authenticate(self, headers, body: bytes, secret: str) -> None:
        given = headers.get("X-Hub-Signature-256", "")
        if not given.startswith("sha256="):
            raise Unauthenticated(_("X-Hub-Signature-256 is missing: set the webhook's secret."))
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            raise Unauthenticated(_("X-Hub-Signature-256 does not match the body and secret."))

    def parse(self, headers, payload: dict) -> ParsedRun | None:
        event = headers.get("X-GitHub-Event", "")
        if event != "workflow_run":
            return None  # ping and other events: nothing to record
        run = need(payload, "workflow_run")
        if not isinstance(run, dict):
            raise PayloadError(_("workflow_run must be an object."))
        head = run.get("head_commit") or {}
        return ParsedRun(
            external_id=str(need(payload, "workflow_run", "id")),
            repository=str(need(payload, "repository", "full_name")),
            status=_status(run),
            branch=str(run.get("head_branch") or ""),
            commit=str(run.get("head_sha") or ""),
            commit_message=str(head.get("message") or "") if isinstance(head, dict) else "",
            url=str(run.get("html_url") or ""),
            started=moment(run.get("run_started_at") or run.get("created_at")),
            finished=moment(run.get("updated_at")) if run.get("status") == "completed" else None,
        )


def _status(run: dict) -> str:
    if run.get("status") != "completed":
        return PipelineStatus.RUNNING
    return CONCLUSIONS.get(run.get("conclusion") or "", PipelineStatus.OTHER)
