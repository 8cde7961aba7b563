"""Every operation of personal-data discovery: request and run a scan, keep retention rules,
read the data map. The console, the API, the CLI and the job call these.

A scan stores counts and columns only; a failure to read the ERP fails the scan with the
adapter's one-line reason (never a traceback, never a value).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core.jobs.services import JobRequest, enqueue_once
from erpkeeper.core.runs import RunStatus
from erpkeeper.governance.privacy import scanner
from erpkeeper.governance.privacy.detectors import Category, Confidence
from erpkeeper.governance.privacy.models import (
    DEFAULT_SAMPLE_SIZE,
    MAX_SAMPLE_SIZE,
    ColumnFinding,
    PrivacyScan,
    RetentionRule,
)
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.targets.adapters import AdapterError, open_adapter

logger = logging.getLogger(__name__)

SCAN_KIND = "governance.privacy_scan"
CONFIDENCE_ORDER = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}


class ScanFailed(Exception):
    """The ERP could not be read; ``str()`` is the one-line reason."""


# ---------------------------------------------------------------- scans


def check_sample_size(sample_size) -> int:
    """The sample size as an int, or a ValidationError saying the allowed range."""
    if sample_size is None or sample_size == "":
        return DEFAULT_SAMPLE_SIZE
    try:
        size = int(sample_size)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_SAMPLE_SIZE:
        raise ValidationError(
            {
                "sample_size": _("The sample size must be a whole number from 1 to %(max)s.")
                % {"max": MAX_SAMPLE_SIZE}
            }
        )
    return size


def request_scan(target, requested_by=None, *, sample_size=None, full=False) -> JobRequest:
    """Scan ``target``'s ERP database for personal data (a job; one at a time per target)."""
    size = check_sample_size(sample_size)
    params = {"sample_size": size, "full": bool(full)}
    job, reused = enqueue_once(SCAN_KIND, target=target, params=params, requested_by=requested_by)
    return JobRequest(job, reused)


def run_scan(
    target,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    full: bool = False,
    job=None,
    progress: Callable[[float, str], None] | None = None,
) -> PrivacyScan:
    """Scan now; the PrivacyScan row is the record. Raises ScanFailed (after failing the row)
    when the ERP cannot be read."""
    progress = progress or (lambda percent, message: None)
    scan = PrivacyScan.objects.create(
        target=target, target_name=target.name, job=job, sample_size=sample_size, full=full
    )
    progress(2, _("reading the list of columns"))
    try:
        with open_adapter(target.kind, target.database_url, target.file_store_path) as adapter:
            found = scanner.scan(adapter, sample_size=sample_size, full=full, progress=progress)
            past = _past_retention(adapter, found.findings)
    except (AdapterError, SecretDecryptionError) as exc:
        reason = _("The ERP database could not be read: %(error)s") % {"error": exc}
        PrivacyScan.fail_if_running(scan.pk, reason[:2000])
        logger.warning("privacy scan %s of %s failed: %s", scan.pk, target.name, reason)
        raise ScanFailed(reason) from None
    _store(scan, found, past)
    scan.refresh_from_db()
    logger.info(
        "privacy scan %s of %s: %s columns of %s tables, %s bytes in %.1f s, %s findings",
        scan.pk,
        target.name,
        found.columns_scanned,
        found.tables_scanned,
        found.bytes_read,
        found.seconds,
        len(found.findings),
    )
    progress(100, _("done"))
    return scan


def _store(scan: PrivacyScan, found: scanner.ScanResult, past: dict) -> None:
    with transaction.atomic():
        ColumnFinding.objects.bulk_create(
            ColumnFinding(
                scan=scan,
                rows_past_retention=past.get((result.table, result.category)),
                **asdict(result),
            )
            for result in found.findings
        )
        PrivacyScan.settle_if_running(
            scan.pk,
            RunStatus.SUCCEEDED,
            tables_scanned=found.tables_scanned,
            columns_scanned=found.columns_scanned,
            values_read=found.values_read,
            bytes_read=found.bytes_read,
            findings_count=len(found.findings),
        )


def _past_retention(adapter, findings) -> dict[tuple[str, str], int]:
    """``{(table, category): rows older than the rule}`` for each finding a rule covers."""
    rules = list(RetentionRule.objects.all())
    if not rules or not findings:
        return {}
    now = timezone.now()
    counted: dict[tuple[str, str], int] = {}
    with adapter.column_reader() as reader:
        for finding in findings:
            rule = rule_for(rules, finding.category, finding.model)
            key = (finding.table, finding.category)
            if rule is None or key in counted:
                continue
            before = now - dt.timedelta(days=rule.days)
            rows = reader.count_before(finding.table, rule.date_column, before)
            if rows is not None:
                counted[key] = rows
    return counted


def rule_for(rules, category: str, model: str) -> RetentionRule | None:
    """The rule for this model if there is one, else the category's rule for every model."""
    own = [r for r in rules if r.category == category and r.model and r.model == model]
    general = [r for r in rules if r.category == category and not r.model]
    return (own or general or [None])[0]


def latest_scan(target) -> PrivacyScan | None:
    """The target's newest succeeded scan."""
    return (
        PrivacyScan.objects.filter(target=target, status=RunStatus.SUCCEEDED)
        .order_by("-started")
        .first()
    )


def findings_by_table(scan: PrivacyScan) -> list[dict]:
    """The scan's findings grouped by table: ``[{table, model, findings: [...]}]``."""
    groups: dict[str, dict] = {}
    for finding in scan.findings.all().order_by("table", "column", "category"):
        group = groups.setdefault(
            finding.table, {"table": finding.table, "model": finding.model, "findings": []}
        )
        group["findings"].append(finding)
    return list(groups.values())


# ---------------------------------------------------------------- the data map


def data_map(target, *, min_confidence: str = Confidence.LOW) -> dict:
    """Which ERP model holds which personal-data category, from the target's latest scan:
    ``{scan, models: [{model, table, categories: [{category, label, columns, rows_affected,
    confidence, rows_past_retention}]}], totals: {category: rows_affected}}``."""
    scan = latest_scan(target)
    if scan is None:
        return {"scan": None, "models": [], "totals": {}}
    limit = CONFIDENCE_ORDER[Confidence(min_confidence)]
    models: dict[str, dict] = {}
    totals: dict[str, int] = defaultdict(int)
    for finding in scan.findings.all().order_by("model", "table", "category", "column"):
        if CONFIDENCE_ORDER[Confidence(finding.confidence)] > limit:
            continue
        name = finding.model or finding.table
        entry = models.setdefault(name, {"model": name, "table": finding.table, "categories": {}})
        _add_category(entry["categories"], finding)
    rows = []
    for entry in models.values():
        entry["categories"] = list(entry["categories"].values())
        # a model's rows count once per category, however many of its columns hold it
        for item in entry["categories"]:
            totals[item["category"]] += item["rows_affected"]
        rows.append(entry)
    return {"scan": scan, "models": rows, "totals": dict(totals)}


def _add_category(categories: dict, finding: ColumnFinding) -> None:
    item = categories.setdefault(
        finding.category,
        {
            "category": finding.category,
            "label": str(Category(finding.category).label),
            "columns": [],
            "rows_affected": 0,
            "confidence": finding.confidence,
            "rows_past_retention": None,
        },
    )
    item["columns"].append(finding.column)
    item["rows_affected"] = max(item["rows_affected"], finding.rows_affected)
    if CONFIDENCE_ORDER[Confidence(finding.confidence)] < CONFIDENCE_ORDER[item["confidence"]]:
        item["confidence"] = finding.confidence
    if finding.rows_past_retention is not None:
        before = item["rows_past_retention"] or 0
        item["rows_past_retention"] = max(before, finding.rows_past_retention)


# ---------------------------------------------------------------- retention rules


def save_retention_rule(rule: RetentionRule) -> RetentionRule:
    """Create or change a rule after validating it (a ValidationError says what is wrong)."""
    rule.model = (rule.model or "").strip()
    rule.date_column = (rule.date_column or "").strip() or "create_date"
    rule.full_clean()
    rule.save()
    return rule


def delete_retention_rule(rule: RetentionRule) -> None:
    rule.delete()
