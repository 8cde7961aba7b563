"""Schemathesis over the whole API: whatever a client sends, the answer is never a 5xx.

The schema is the one drf-spectacular generates for /api/schema/, so a new endpoint is fuzzed
as soon as it exists. Each operation is its own test (its own rolled-back transaction) and runs
a few generated requests with a fixed seed, as Alice (Administrator: few requests stop at a 403)
with a real API token. Every call goes through the whole Django stack (middleware included),
in-process through the WSGI application.

By default only schemathesis's fuzzing phase runs (EXAMPLES requests per operation), so the
whole API takes about a minute on SQLite. ``ERPKEEPER_FUZZ_DEEP=1`` adds the coverage phase
(boundary values, wrong types and unexpected methods for every parameter: about a hundred
requests per operation, several minutes) and more examples: run it after changing the API.

Each request is rolled back after its answer, so every one meets the same objects. Path ids:
half the examples keep the generated id (mostly a 404, or a huge number), the other
half point at an object the fixture made, so the body and query of a real change are fuzzed too.

Nothing is excluded: nothing here reaches the network or runs long. Jobs are queued on commit
and a test never commits; targets and destinations are local SQLite files and directories; the
channel posts to a closed local port.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from erpkeeper.monitoring.tsdb.ingest import forget_series_ids

pytestmark = pytest.mark.django_db

DEEP = os.environ.get("ERPKEEPER_FUZZ_DEEP", "") not in ("", "0", "false")
EXAMPLES = 100 if DEEP else 15


def _generated_schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": DEEP}}})
schema = schemathesis.openapi.from_dict(_generated_schema(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture
def world(alice, api_client_for, tmp_path, settings):
    """One of each object an {id} path can name, and Alice's token."""
    from erpkeeper.accounts.teams import services as teams
    from erpkeeper.alerts import services as alerts
    from erpkeeper.core.jobs import enqueue
    from erpkeeper.monitoring.services import create_host
    from erpkeeper.notifications import services as channels
    from erpkeeper.targets.models import Target

    settings.ALLOW_PRIVATE_WEBHOOKS = True  # the channel's closed local port
    target = Target(name="shop")
    target.set_database_url(f"sqlite:///{tmp_path / 'shop.sqlite'}")
    target.save()
    host, _token = create_host("erp-host", targets=["shop"])
    rule = alerts.create_rule(name="Disk", metric="host.disk.percent", warning_threshold=80)
    silence = alerts.create_silence(
        user=alice, target=target, comment="fuzz", duration=dt.timedelta(hours=1)
    )
    channel = channels.create_channel(
        name="hook", kind="webhook", secrets={"url": "http://127.0.0.1:9/hook"}
    )
    job = enqueue("core.housekeeping", requested_by=alice)
    team = teams.create_team(name="Ops", lead=alice)
    rota = teams.create_rota(team=team, name="Primary", members=[alice])
    announcement = teams.create_announcement(title="fuzz", to_team=False, to_portal=True)
    training = _training(alice)
    token = api_client_for(alice).token
    assets = _assets(host)
    return {
        "token": token,
        "ids": {
            "/api/v1/targets/": target.pk,
            "/api/v1/hosts/": host.pk,
            "/api/v1/alert-rules/": rule.pk,
            "/api/v1/silences/": silence.pk,
            "/api/v1/notification-channels/": channel.pk,
            "/api/v1/jobs/": job.pk,
            **assets,
            "/api/v1/teams/": team.pk,
            "/api/v1/rotas/": rota.pk,
            "/api/v1/announcements/": announcement.pk,
            **training,
        },
    }


def _assets(host) -> dict:
    from erpkeeper.assets import services as assets
    from erpkeeper.assets.models import InspectionTemplate, ReplacementPlan, SoftwareLicence

    site = assets.site_named("机房", create=True)
    rack = site.racks.create(name="A01")
    asset = assets.create_asset(name="db1", host=host, site=site, rack=rack)
    template = InspectionTemplate.objects.create(name="月检", checklist="Fans\nRAID")
    inspection = asset.inspections.create(template=template, due_date=dt.date(2026, 1, 5))
    return {
        "/api/v1/assets/": asset.pk,
        "/api/v1/asset-sites/": site.pk,
        "/api/v1/asset-racks/": rack.pk,
        "/api/v1/asset-licences/": SoftwareLicence.objects.create(product="Windows").pk,
        "/api/v1/asset-inspection-templates/": template.pk,
        "/api/v1/asset-inspections/": inspection.pk,
        "/api/v1/asset-maintenance/": assets.log_maintenance(asset, note="fan").pk,
        "/api/v1/asset-replacements/": ReplacementPlan.objects.create(
            asset=asset, quarter="2027Q1"
        ).pk,
    }


def _training(alice) -> dict:
    """A published course Alice takes, assigned to her, and a session."""
    from erpkeeper.knowledge import services as knowledge

    article = knowledge.create_article(title="Posting", body="Click Post.", status="published")
    question = {"text": "Post?", "options": [{"text": "Yes", "correct": True}, {"text": "No"}]}
    course = knowledge.create_course(
        title="Posting", state="published", steps=[article], questions=[question]
    )
    assignment, _result = knowledge.assign_course(course, kind="user", user=alice)
    session = knowledge.save_session(title="Month-end", starts=dt.datetime.now(dt.UTC))
    enrolment = assignment.enrolments.get()
    return {
        "/api/v1/courses/": course.pk,
        "/api/v1/course-assignments/": assignment.pk,
        "/api/v1/enrolments/": enrolment.pk,
        "/api/v1/my-courses/": enrolment.pk,
        "/api/v1/training-sessions/": session.pk,
    }


def _aim_at_a_real_object(case, world) -> None:
    """Every other example names an object that exists (see the module's docstring)."""
    generated = case.path_parameters.get("id") if case.path_parameters else None
    if not isinstance(generated, int) or generated % 2:
        return
    for prefix, pk in world["ids"].items():
        if case.path.startswith(prefix):
            case.path_parameters["id"] = pk


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case, world):
    _aim_at_a_real_object(case, world)
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world['token']}"}
    response = _call_and_forget(case)
    case.validate_response(response, checks=[not_a_server_error])


def _call_and_forget(case):
    """Each request starts from the same world: what it changed is rolled back (otherwise the
    first host named "0" makes every later one a duplicate, and nothing past the name is tried)."""
    with transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)
    forget_series_ids()  # ingest's cache of series ids would outlive the rolled-back series
    return response
