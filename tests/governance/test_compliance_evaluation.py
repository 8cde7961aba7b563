"""Evaluating the builtin controls and assessing frameworks: statuses from real evidence,
"not available" for a module that is not installed, manual evidence with an expiry,
exceptions, readiness and its trend, a target whose database is gone, the CLI as a job."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import Assessment, Control, ControlResult, Framework
from erpkeeper.lib.evidence import EvidenceStatus
from erpkeeper.targets.services import add_target, check_target
from tests.fixtures.alerts import make_target

S = EvidenceStatus


@pytest.fixture
def library(db):
    services.load_builtin()
    return services.load_builtin_controls()


def latest(ref: str, target=None) -> ControlResult:
    return ControlResult.objects.filter(control__ref=ref, target=target).latest("evaluated_at")


def test_every_builtin_control_maps_to_the_shipped_libraries(library):
    assert library.unmatched == []
    assert library.created == Control.objects.count() >= 15
    for framework in Framework.objects.all():
        mapped = framework.requirements.filter(assessable=True, controls__isnull=False)
        assert mapped.exists(), framework.ref_id


def test_loading_the_builtin_controls_again_keeps_what_people_set(library, sam):
    Control.objects.filter(ref="CTL-GOV-01").update(owner=sam)

    again = services.load_builtin_controls()

    assert (again.created, again.updated) == (0, 0)
    assert Control.objects.get(ref="CTL-GOV-01").owner == sam


def test_a_control_whose_module_is_missing_is_not_available_never_a_pass(library):
    shop = make_target("shop")
    # A collector of a module this installation lacks (risks come in a later release).
    Control.objects.create(
        ref="CTL-TST-99", name_en="Risks reviewed", collectors=["risks.reviewed"]
    )

    services.evaluate(targets=[shop])

    result = latest("CTL-TST-99", shop)
    assert result.status == S.NOT_AVAILABLE
    assert "risks.reviewed" in result.evidence[0]["summary"]
    assert latest("CTL-PRV-01", shop).status == S.FAIL  # privacy is installed: no scan yet
    assert latest("CTL-AUD-01").status == S.PASS  # platform-wide, one result
    assert latest("CTL-BKP-01", shop).status == S.FAIL  # no backup at all


def test_manual_evidence_counts_until_it_expires(library, sam):
    control = Control.objects.get(ref="CTL-GOV-01")
    services.evaluate(targets=[])
    assert latest("CTL-GOV-01").status == S.FAIL
    upload = services.add_manual_evidence(
        control,
        name="应急预案-2026.pdf",
        content=b"%PDF-1.4 plan",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        actor=sam,
    )

    services.evaluate(targets=[])
    passed = latest("CTL-GOV-01")
    services.evaluate(targets=[], until=timezone.now() + dt.timedelta(days=31))
    expired = latest("CTL-GOV-01")

    assert passed.status == S.PASS and upload.sha256 in json.dumps(passed.evidence)
    assert expired.status == S.FAIL
    assert "no longer counts" in expired.summary


def test_an_exception_makes_a_failing_control_not_applicable_until_it_expires(library, sam):
    control = Control.objects.get(ref="CTL-PRV-03")
    services.add_exception(
        control,
        owner=sam,
        reason="no vendor processes personal data",
        expires_on=timezone.localdate() + dt.timedelta(days=10),
    )

    services.evaluate(targets=[])
    excepted = latest("CTL-PRV-03")
    services.evaluate(targets=[], until=timezone.now() + dt.timedelta(days=11))

    assert excepted.status == S.NOT_APPLICABLE and "sam" in excepted.summary
    assert latest("CTL-PRV-03").status == S.FAIL


def test_readiness_is_the_share_of_requirements_whose_controls_pass(library, sam):
    sox = Framework.objects.get(ref_id="SOX ITGC")
    _evaluation, [first] = services.assess_frameworks([sox], targets=[])
    for ref in ("CTL-GOV-03",):
        services.add_manual_evidence(
            Control.objects.get(ref=ref),
            name="changes.xlsx",
            content=b"change log",
            valid_until=timezone.localdate() + dt.timedelta(days=90),
            actor=sam,
        )
    _evaluation, [second] = services.assess_frameworks([sox], targets=[])

    assessable = sox.requirements.filter(assessable=True).count()
    assert sum(first.counts.values()) == assessable
    assert first.statuses["urn:erpkeeper:risk:req_node:sox-itgc:pc-01"] == S.FAIL
    assert second.statuses["urn:erpkeeper:risk:req_node:sox-itgc:pc-01"] == S.PASS
    assert second.score == pytest.approx(100 * second.counts[S.PASS] / assessable, abs=0.1)
    assert second.score > first.score
    assert [score for _when, score in services.trend(sox)] == [first.score, second.score]


def test_a_target_whose_database_is_gone_gets_clear_results(library, tryton_sqlite_db):
    gone = add_target(name="gone", database_url=tryton_sqlite_db)
    os.remove(tryton_sqlite_db.removeprefix("sqlite:///"))
    check_target(gone)
    gone.refresh_from_db()

    evaluation, assessments = services.assess_frameworks(targets=[gone])

    result = latest("CTL-BKP-01", gone)
    assert result.status == S.FAIL
    assert result.summary.startswith("Target unreachable at its last check")
    assert len(assessments) == Framework.objects.count()
    assert {r.target_id for r in evaluation.results} <= {gone.pk, None}


def test_the_cli_assesses_one_framework_as_a_job(transactional_db, victor, capsys):
    services.load_builtin()
    services.load_builtin_controls()
    assert main(["--json", "compliance", "assess", "--framework", "PIPL"]) == 0
    capsys.readouterr()
    assessment = Assessment.objects.get()
    assert assessment.framework.ref_id == "PIPL"
    assert main(["--json", "compliance", "controls"]) == 0
    rows = {row["ref"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["CTL-PRV-01"]["status"] == S.NOT_AVAILABLE
    assert main(["compliance", "assess", "--framework", "NOPE"]) == 3
    assert main(["--as", "victor", "compliance", "assess"]) == 2
