"""Readers of CI servers' webhook payloads, one module per source behind ``base.Reader``.

reader = READERS["gitlab"]
reader.authenticate(headers, body, secret)   # raises Unauthenticated
run = reader.parse(headers, payload)          # a ParsedRun, None to ignore, or PayloadError
"""

from erpkeeper.changes.ci.base import ParsedRun, PayloadError, Reader, Unauthenticated
from erpkeeper.changes.ci.generic import GenericReader
from erpkeeper.changes.ci.github import GitHubReader
from erpkeeper.changes.ci.gitlab import GitLabReader
from erpkeeper.changes.ci.jenkins import JenkinsReader

READERS: dict[str, Reader] = {
    reader.source: reader
    for reader in (GenericReader(), GitLabReader(), GitHubReader(), JenkinsReader())
}

__all__ = ["READERS", "ParsedRun", "PayloadError", "Reader", "Unauthenticated"]
