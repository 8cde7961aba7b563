"""The compliance API as a security auditor and a viewer use it: load a library file, a
malformed one refused with its line, controls with manual evidence, exceptions, assessments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import Control, Framework

BASE = "/api/v1/compliance/"
CISO_STYLE = Path(__file__).parent / "fixtures" / "ciso-style-sample.yaml"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-yaml")


def test_an_auditor_loads_a_library_and_a_malformed_one_is_a_400_naming_the_line(
    sam, api_client_for
):
    client = api_client_for(sam)

    loaded = client.post(
        f"{BASE}frameworks/load/", {"file": upload("sample.yaml", CISO_STYLE.read_bytes())}
    )
    broken = client.post(
        f"{BASE}frameworks/load/", {"file": upload("broken.yaml", b"urn: x\nobjects: [\n")}
    )

    assert loaded.status_code == 201, loaded.json()
    assert loaded.json()["ref_id"] == "SAMPLE-2024" and loaded.json()["outcome"] == "created"
    framework = Framework.objects.get()
    listed = client.get(f"{BASE}requirements/", {"framework": framework.pk}).json()
    assert [r["ref_id"] for r in listed["results"]] == ["GOV", "GOV.1", "GOV.2"]
    assert broken.status_code == 400
    assert "not valid YAML" in broken.json()["file"][0] and "line 3" in broken.json()["file"][0]
    assert Framework.objects.count() == 1


def test_a_viewer_reads_but_neither_loads_nor_uploads(victor, api_client_for, db):
    client = api_client_for(victor)

    assert client.get(f"{BASE}frameworks/").status_code == 200
    posted = client.post(f"{BASE}frameworks/load/", {"file": upload("x.yaml", b"urn: x")})
    assert posted.status_code == 403


def test_manual_evidence_exceptions_and_an_assessment_through_the_api(sam, api_client_for):
    services.load_builtin()
    services.load_builtin_controls()
    client = api_client_for(sam)
    control = Control.objects.get(ref="CTL-GOV-02")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    evidence = client.post(
        f"{BASE}controls/{control.pk}/evidence/",
        {"file": upload("制度.pdf", b"%PDF rules"), "valid_until": tomorrow},
    )
    past = client.post(
        f"{BASE}controls/{control.pk}/evidence/",
        {"file": upload("old.pdf", b"%PDF"), "valid_until": "2020-01-01"},
    )
    exception = client.post(
        f"{BASE}exceptions/",
        {"control": control.pk, "owner": "sam", "reason": "", "expires_on": tomorrow},
        format="json",
    )
    run = client.post(f"{BASE}assessments/run/", {"framework": "CSL"}, format="json")

    assert evidence.status_code == 201 and evidence.json()["file_name"] == "制度.pdf"
    assert past.status_code == 400 and "valid_until" in past.json()
    assert exception.status_code == 400 and "reason" in exception.json()
    assert run.status_code == 202 and run.json()["job"]
