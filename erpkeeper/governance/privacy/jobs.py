"""Background work of governance.privacy: the personal-data scan of one target."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import JobError, job_kind
from erpkeeper.governance.privacy import services


@job_kind(
    services.SCAN_KIND,
    label=_("Personal-data scan"),
    needs_target=True,
    expected_errors=(JobError, services.ScanFailed),
)
def scan_job(ctx):
    scan = services.run_scan(
        ctx.target,
        sample_size=int(ctx.params.get("sample_size") or services.DEFAULT_SAMPLE_SIZE),
        full=bool(ctx.params.get("full")),
        job=ctx.job,
        progress=ctx.progress,
    )
    # counts and the run's id only: a scan never puts a value in a log
    ctx.result.update(
        {
            "scan_id": scan.pk,
            "tables": scan.tables_scanned,
            "columns": scan.columns_scanned,
            "findings": scan.findings_count,
        }
    )
    ctx.log(
        f"scan {scan.pk}: {scan.columns_scanned} columns of {scan.tables_scanned} tables, "
        f"{scan.findings_count} findings"
    )
