"""GitLab pipeline events (``X-Gitlab-Event: Pipeline Hook``, ``object_kind: pipeline``),
authenticated by the webhook's secret token in ``X-Gitlab-Token``. Other events are ignored."""

from __future__ import annotations

from django.utils.translation import gettext as _

from erpkeeper.changes.ci.base import (
    ParsedRun,
    PayloadError,
    Reader,
    Unauthenticated,
    moment,
    need,
    same,
)
from erpkeeper.changes.models import CiSource, PipelineStatus

STATUSES = {
    "success": PipelineStatus.SUCCESS,
    "failed": PipelineStatus.FAILED,
    "canceled": PipelineStatus.CANCELED,
    "canceling": PipelineStatus.CANCELED,
    "running": PipelineStatus.RUNNING,
    "pending": PipelineStatus.RUNNING,
    "created": PipelineStatus.RUNNING,
    "preparing": PipelineStatus.RUNNING,
    "waiting_for_resource": PipelineStatus.RUNNING,
}


class GitLabReader(Reader):
    source = CiSource.GITLAB

    def authenticate(self, headers, body: bytes, secret: str) -> None:
        token = headers.get("X-Gitlab-Token", "")
        if not token:
            raise Unauthenticated(_("X-Gitlab-Token is missing: set the webhook's secret token."))
        if not same(token, secret):
            raise Unauthenticated(_("X-Gitlab-Token does not match this source's secret."))

    def parse(self, headers, payload: dict) -> ParsedRun | None:
        if payload.get("object_kind") != "pipeline":
            return None  # push, merge request ... events: nothing to record
        attributes = need(payload, "object_attributes")
        project = need(payload, "project")
        commit = payload.get("commit") or {}
        if not isinstance(attributes, dict) or not isinstance(project, dict):
            raise PayloadError(_("object_attributes and project must be objects."))
        status = str(need(payload, "object_attributes", "status"))
        need(payload, "object_attributes", "id")
        return ParsedRun(
            external_id=f"{need(payload, 'project', 'id')}:{attributes.get('id')}",
            repository=str(need(payload, "project", "path_with_namespace")),
            status=STATUSES.get(status, PipelineStatus.OTHER),
            branch=str(attributes.get("ref") or ""),
            commit=str(attributes.get("sha") or ""),
            commit_message=str(commit.get("message") or "") if isinstance(commit, dict) else "",
            url=str(attributes.get("url") or _pipeline_url(project, attributes)),
            started=moment(attributes.get("created_at")),
            finished=moment(attributes.get("finished_at")),
        )


def _pipeline_url(project: dict, attributes: dict) -> str:
    web = project.get("web_url")
    return f"{web}/-/pipelines/{attributes['id']}" if web else ""
