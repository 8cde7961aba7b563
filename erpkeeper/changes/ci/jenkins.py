"""Jenkins through the Notification plugin (JSON format, a bearer token in the endpoint's
headers): one message per phase (QUEUED, STARTED, COMPLETED, FINALIZED) of a build.

    {"name": "erp-modules", "url": "job/erp-modules/",
     "build": {"full_url": "https://ci/job/erp-modules/12/", "number": 12, "phase": "COMPLETED",
               "status": "SUCCESS", "timestamp": 1765180800000, "duration": 360000,
               "scm": {"url": "https://git/erp/custom-modules.git", "branch": "origin/main",
                       "commit": "9f2c..."},
               "testSummary": {"total": 120, "failed": 0, "skipped": 3, "passed": 117}}}
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from erpkeeper.changes.ci.base import ParsedRun, PayloadError, Reader, count, moment, need
from erpkeeper.changes.models import CiSource, PipelineStatus

STATUSES = {
    "SUCCESS": PipelineStatus.SUCCESS,
    "FAILURE": PipelineStatus.FAILED,
    "UNSTABLE": PipelineStatus.FAILED,  # tests failed
    "ABORTED": PipelineStatus.CANCELED,
}
DONE = ("COMPLETED", "FINALIZED")


class JenkinsReader(Reader):
    source = CiSource.JENKINS

    def parse(self, headers, payload: dict) -> ParsedRun:
        build = need(payload, "build")
        if not isinstance(build, dict):
            raise PayloadError(_("build must be an object."))
        scm = build.get("scm") or {}
        tests = build.get("testSummary") or build.get("test_summary") or {}
        if not isinstance(scm, dict) or not isinstance(tests, dict):
            raise PayloadError(_("build.scm and build.testSummary must be objects."))
        phase = str(build.get("phase") or "").upper()
        started = moment(build.get("timestamp"))
        return ParsedRun(
            external_id=f"{need(payload, 'name')}#{need(payload, 'build', 'number')}",
            repository=_repository(scm.get("url") or payload["name"]),
            status=STATUSES.get(str(build.get("status") or "").upper(), PipelineStatus.OTHER)
            if phase in DONE
            else PipelineStatus.RUNNING,
            branch=str(scm.get("branch") or "").removeprefix("origin/"),
            commit=str(scm.get("commit") or ""),
            url=str(build.get("full_url") or ""),
            started=started,
            finished=_finished(started, build) if phase in DONE else None,
            tests_total=count(tests.get("total")),
            tests_failed=count(tests.get("failed")),
            tests_skipped=count(tests.get("skipped")),
        )


def _repository(url: str) -> str:
    """``https://git.example.com/erp/custom-modules.git`` -> ``erp/custom-modules``."""
    text = str(url).removesuffix(".git").rstrip("/")
    if ":" in text and "://" not in text:  # git@host:erp/custom-modules
        return text.split(":", 1)[1]
    parts = text.split("://", 1)[-1].split("/", 1)
    return parts[1] if len(parts) == 2 else text


def _finished(started, build: dict):
    duration = build.get("duration")
    if started is None or not isinstance(duration, int | float):
        return None
    return started + dt.timedelta(milliseconds=duration)
