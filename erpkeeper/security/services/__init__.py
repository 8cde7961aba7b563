"""Every operation of the security app: one function each, called by the console, the API, the
CLI and the jobs alike."""

from erpkeeper.security.services.accounts import review_accounts
from erpkeeper.security.services.analysis import (
    NoRuleSet,
    SnapshotMissing,
    UnknownName,
    analysis_for,
    conflict_data,
    conflicts_report,
    diff_snapshots,
    latest_snapshot,
    simulate_grant,
    trend,
)
from erpkeeper.security.services.checks import (
    CHECK_KIND,
    ChecksFailed,
    config_path_of,
    describe_results,
    request_checks,
    run_checks,
    score_change,
    set_config_path,
)
from erpkeeper.security.services.findings import (
    Found,
    accept_finding,
    account_findings,
    reconcile,
)
from erpkeeper.security.services.rulesets import (
    active_ruleset,
    load_ruleset,
    shipped_ruleset_text,
    validate_ruleset_text,
)
from erpkeeper.security.services.snapshots import (
    SNAPSHOT_KIND,
    JobRequest,
    SnapshotFailed,
    change_text,
    last_logins,
    poll_logins,
    record_logins,
    request_snapshot,
    take_snapshot,
)

__all__ = [
    "CHECK_KIND",
    "ChecksFailed",
    "config_path_of",
    "describe_results",
    "request_checks",
    "run_checks",
    "score_change",
    "set_config_path",
    "Found",
    "accept_finding",
    "account_findings",
    "reconcile",
    "review_accounts",
    "SNAPSHOT_KIND",
    "JobRequest",
    "SnapshotFailed",
    "SnapshotMissing",
    "NoRuleSet",
    "UnknownName",
    "conflict_data",
    "poll_logins",
    "active_ruleset",
    "change_text",
    "analysis_for",
    "conflicts_report",
    "diff_snapshots",
    "last_logins",
    "latest_snapshot",
    "load_ruleset",
    "record_logins",
    "request_snapshot",
    "shipped_ruleset_text",
    "simulate_grant",
    "take_snapshot",
    "trend",
    "validate_ruleset_text",
]
