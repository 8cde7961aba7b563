"""The alerts console (alerts, rules, silences), the target page's monitoring panel and the
dashboard's alert cards, through Django's test client, as each role sees it.

Acting on alerts needs ``alerts.change_alert`` and friends: the administrator (alice) has them;
the viewer (victor) sees everything and may change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Severity, Silence
from erpkeeper.monitoring.tsdb.query import find_series
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db
POSTED = {"_form_submitted": "on"}  # what unfold's dialog form posts


def raise_alert(rule, series, *, severity=Severity.CRITICAL, state=AlertState.FIRING, **fields):
    """An alert as the engine leaves it once the condition held long enough."""
    now = timezone.now()
    return Alert.objects.create(
        rule=rule,
        series=series,
        target=series.target,
        host=series.host,
        fingerprint=f"{rule.pk}:{series.pk}",
        state=state,
        severity=severity,
        value=97.0,
        summary=f"{rule.name}: {series}",
        started=now - dt.timedelta(minutes=20),
        fired_at=now - dt.timedelta(minutes=15) if state == AlertState.FIRING else None,
        **fields,
    )


@pytest.fixture
def disk_rule(db):
    return AlertRule.objects.get(is_default=True, metric="host.disk.percent")


@pytest.fixture
def disk_alert(erp_host, disk_rule):  # noqa: F811
    series = find_series(metric="host.disk.percent", host=erp_host, labels={"mount": "/"}).get()
    return raise_alert(disk_rule, series)


# -- pages -------------------------------------------------------------------------------------


def test_every_alert_page_renders_for_an_ops_engineer(olga, client, disk_alert, disk_rule):
    client.force_login(olga)
    pages = [
        "/alerts/alert/",
        "/alerts/alert/?state__exact=firing",
        f"/alerts/alert/{disk_alert.pk}/change/",
        "/alerts/alertrule/",
        f"/alerts/alertrule/{disk_rule.pk}/change/",
        "/alerts/silence/",
        f"/targets/target/{disk_alert.target_id or disk_alert.host.targets.get().pk}/change/",
        "/",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_alert_list_shows_state_severity_where_and_since(olga, client, disk_alert):
    client.force_login(olga)
    html = client.get("/alerts/alert/").content.decode()
    assert disk_alert.summary_text in html and "Firing" in html and "Critical" in html
    assert "erp1" in html


def test_alert_page_charts_its_series_around_the_alert(olga, client, disk_alert):
    client.force_login(olga)
    page = client.get(f"/alerts/alert/{disk_alert.pk}/change/")
    html = page.content.decode()
    assert 'data-testid="alert-chart"' in html and 'data-chart="series"' in html
    answer = client.get(page.context["alert_chart_url"]).json()
    lines = answer["charts"]["series"]["datasets"]
    assert lines[0]["series"] == disk_alert.series_id and lines[0]["points"]
    assert answer["start"] <= disk_alert.started.timestamp() * 1000 - 3600e3 + 1


# -- acknowledge and resolve -----------------------------------------------------------------------


def test_acknowledge_then_resolve_through_the_dialogs(alice, client, disk_alert):
    force_login(client, alice)
    dialog = client.get(f"/alerts/alert/{disk_alert.pk}/acknowledge/")
    assert dialog.status_code == 200 and 'id="dialog"' in dialog.content.decode()
    answer = client.post(f"/alerts/alert/{disk_alert.pk}/acknowledge/", POSTED)
    assert answer.status_code == 302
    disk_alert.refresh_from_db()
    assert disk_alert.acknowledged_by == alice and disk_alert.state == AlertState.FIRING

    target_page = f"/targets/target/{disk_alert.host.targets.get().pk}/change/"
    answer = client.post(f"/alerts/alert/{disk_alert.pk}/resolve/?next={target_page}", POSTED)
    assert answer.status_code == 302 and answer.url == target_page
    disk_alert.refresh_from_db()
    assert disk_alert.state == AlertState.RESOLVED
    # A resolved alert offers nothing more to do.
    assert client.post(f"/alerts/alert/{disk_alert.pk}/resolve/", POSTED).status_code == 403


def test_alert_list_offers_acknowledge_and_resolve_only_on_open_rows(
    alice, victor, client, disk_alert, disk_rule
):
    closed = raise_alert(disk_rule, disk_alert.series, state=AlertState.RESOLVED)
    force_login(client, alice)
    html = client.get("/alerts/alert/").content.decode()
    assert f"/alerts/alert/{disk_alert.pk}/acknowledge/" in html
    assert f"/alerts/alert/{disk_alert.pk}/resolve/" in html
    assert f"/alerts/alert/{closed.pk}/acknowledge/" not in html
    assert f"/alerts/alert/{closed.pk}/resolve/" not in html
    client.force_login(victor)
    html = client.get("/alerts/alert/").content.decode()
    assert f"/alerts/alert/{disk_alert.pk}/resolve/" not in html


def test_viewer_sees_no_buttons_and_gets_403_on_acknowledge_and_resolve(victor, client, disk_alert):
    client.force_login(victor)
    html = client.get(f"/alerts/alert/{disk_alert.pk}/change/").content.decode()
    assert f"/alerts/alert/{disk_alert.pk}/acknowledge/" not in html
    target_html = client.get(
        f"/targets/target/{disk_alert.host.targets.get().pk}/change/"
    ).content.decode()
    assert 'data-testid="monitoring-panel"' in target_html
    assert 'data-testid="acknowledge-button"' not in target_html
    for verb in ("acknowledge", "resolve"):
        assert client.post(f"/alerts/alert/{disk_alert.pk}/{verb}/", POSTED).status_code == 403
    assert client.post("/alerts/silence/silence/", {"comment": "x"}).status_code == 403
    disk_alert.refresh_from_db()
    assert disk_alert.acknowledged_at is None and disk_alert.state == AlertState.FIRING


# -- rules -----------------------------------------------------------------------------------------


def rule_form_data(rule: AlertRule, **changes) -> dict:
    values = {
        "name": rule.name,
        "description": rule.description,
        "enabled": rule.enabled,
        "metric": rule.metric,
        "label_selector": "{}",
        "operator": rule.operator,
        "warning_threshold": rule.warning_threshold,
        "critical_threshold": rule.critical_threshold,
        "recovery_threshold": rule.recovery_threshold,
        "for_seconds": rule.for_seconds,
        "no_data_intervals": rule.no_data_intervals,
        "repeat_minutes": rule.repeat_minutes,
        "escalate_after_minutes": rule.escalate_after_minutes,
        "escalation_channel": "",
    }
    values.update(changes)
    return {
        name: ("on" if value is True else "" if value is None else value)
        for name, value in values.items()
        if value is not False
    }


def test_a_default_rule_is_edited_and_disabled_but_never_deleted(alice, client, disk_rule):
    force_login(client, alice)
    page = client.get(f"/alerts/alertrule/{disk_rule.pk}/change/").content.decode()
    assert "host.disk.percent" in page and f"/alerts/alertrule/{disk_rule.pk}/delete/" not in page
    data = rule_form_data(disk_rule, warning_threshold=80, enabled=False)
    answer = client.post(f"/alerts/alertrule/{disk_rule.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    disk_rule.refresh_from_db()
    assert disk_rule.warning_threshold == 80 and not disk_rule.enabled
    assert (
        client.post(f"/alerts/alertrule/{disk_rule.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AlertRule.objects.filter(pk=disk_rule.pk).exists()


def test_rule_editor_shows_the_services_refusal_next_to_the_field(alice, client, disk_rule):
    force_login(client, alice)
    data = rule_form_data(disk_rule, warning_threshold=90, critical_threshold=80)
    page = client.post(f"/alerts/alertrule/{disk_rule.pk}/change/", data)
    assert page.status_code == 200
    assert "critical_threshold" in page.context["adminform"].form.errors
    disk_rule.refresh_from_db()
    assert disk_rule.critical_threshold == 95


def test_a_new_rule_on_a_collected_metric_then_deleted(alice, client, erp_host):  # noqa: F811
    force_login(client, alice)
    form = client.get("/alerts/alertrule/add/").content.decode()
    assert 'value="erp.rpc.latency_seconds"' in form  # known series metrics to choose from
    rule = AlertRule(name="Slow ERP", metric="erp.rpc.latency_seconds", repeat_minutes=60)
    data = rule_form_data(rule, warning_threshold=1.5, enabled=True)
    data["targets"] = [erp_host.targets.get().pk]
    answer = client.post("/alerts/alertrule/add/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    created = AlertRule.objects.get(name="Slow ERP")
    assert created.warning_threshold == 1.5 and list(created.targets.all()) == [
        erp_host.targets.get()
    ]
    answer = client.post(f"/alerts/alertrule/{created.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not AlertRule.objects.filter(name="Slow ERP").exists()


# -- silences --------------------------------------------------------------------------------------


def test_silence_a_target_from_its_page_then_end_it(alice, client, shop):  # noqa: F811
    force_login(client, alice)
    target_page = f"/targets/target/{shop.pk}/change/"
    dialog = client.get(f"/alerts/silence/silence/?target={shop.pk}&next={target_page}")
    assert dialog.status_code == 200
    assert dialog.context["form"].fields["target"].initial == str(shop.pk)
    answer = client.post(
        f"/alerts/silence/silence/?target={shop.pk}&next={target_page}",
        {**POSTED, "target": shop.pk, "duration": "4h", "comment": "database upgrade"},
    )
    assert answer.status_code == 302 and answer.url == target_page
    silence = Silence.objects.get()
    assert silence.target == shop and silence.created_by == alice
    assert (
        dt.timedelta(hours=3, minutes=59) < silence.ends - silence.starts <= dt.timedelta(hours=4)
    )
    assert "database upgrade" in client.get("/alerts/silence/").content.decode()

    answer = client.post(f"/alerts/silence/{silence.pk}/expire/", POSTED)
    assert answer.status_code == 302
    silence.refresh_from_db()
    assert silence.ends <= timezone.now()


def test_a_silence_must_silence_something(alice, client):
    force_login(client, alice)
    page = client.post(
        "/alerts/silence/silence/", {**POSTED, "duration": "1h", "comment": "why not"}
    )
    assert page.status_code == 200 and not Silence.objects.exists()
    assert "Choose a target, a host or a rule" in page.content.decode()


# -- the target's panel and the dashboard ----------------------------------------------------------


def test_target_panel_has_latest_values_open_alerts_and_forecast(olga, client, disk_alert):
    target = disk_alert.host.targets.get()
    client.force_login(olga)
    page = client.get(f"/targets/target/{target.pk}/change/")
    html = page.content.decode()
    assert 'data-testid="backup-panel"' in html or "backup_panel" not in page.context
    panel = page.context["monitoring_panel"]
    tiles = {tile["title"]: tile for tile in panel["tiles"]}
    assert {"CPU", "Memory", "Disk /", "Disk /data", "Database size"} <= tiles.keys()
    assert tiles["Disk /"]["text"] == "71.0 %" and tiles["CPU"]["sparkline"]
    assert tiles["DB connections"]["text"] == "3"
    assert [row["alert"] for row in panel["alerts"]] == [disk_alert]
    assert "<polyline" in html and disk_alert.summary_text in html and "2.0 GB" in html
    assert 'data-testid="monitoring-forecast"' in html and "too little history yet" in html
    assert f"/monitoring/charts/target/{target.pk}/" in html


def test_dashboard_card_turns_red_with_a_critical_firing_alert(olga, client, disk_alert):
    client.force_login(olga)
    page = client.get("/")
    card = next(c for c in page.context["target_cards"] if c["target"].name == "shop")
    assert card["state"] == "down" and card["color"] == "#dc2626"
    assert disk_alert.summary_text in [reason["text"] for reason in card["reasons"]]
    assert page.context["firing_alerts"]["total"] == 1
    html = page.content.decode()
    assert 'data-testid="firing-alerts"' in html and "/alerts/alert/?state__exact=firing" in html


def test_dashboard_card_turns_amber_with_a_warning_and_ignores_pending(
    olga,
    client,
    erp_host,  # noqa: F811
    disk_rule,
):
    cpu = find_series(metric="host.cpu.percent", host=erp_host).get()
    memory = find_series(metric="host.memory.percent", host=erp_host).get()
    raise_alert(disk_rule, cpu, severity=Severity.WARNING)
    raise_alert(disk_rule, memory, state=AlertState.PENDING)
    client.force_login(olga)
    card = client.get("/").context["target_cards"][0]
    assert card["target"].name == "shop" and card["state"] == "warning"


def test_dashboard_shows_this_machine_when_the_embedded_host_reports(olga, client):
    from erpkeeper.monitoring.tsdb.ingest import (
        MetricSample,
        embedded_host,
        forget_series_ids,
        ingest,
    )

    forget_series_ids()
    now = timezone.now()
    ingest(
        embedded_host(),
        [
            MetricSample(metric, 30.0 + ago, now - dt.timedelta(minutes=ago))
            for ago in range(1, 20)
            for metric in ("host.cpu.percent", "host.memory.percent")
        ],
    )
    client.force_login(olga)
    page = client.get("/")
    machine = page.context["machine"]
    assert [row["title"] for row in machine["rows"]] == ["CPU", "Memory"]
    assert machine["rows"][0]["text"] == "31.0 %" and machine["rows"][0]["sparkline"]
    assert 'data-testid="machine-card"' in page.content.decode()


def test_an_unlinked_target_takes_the_embedded_hosts_alerts_on_its_card(
    olga,
    client,
    shop,  # noqa: F811
    disk_rule,
):
    from erpkeeper.monitoring.tsdb.ingest import (
        MetricSample,
        embedded_host,
        forget_series_ids,
        ingest,
    )

    forget_series_ids()
    host = embedded_host()  # watches every target: linked to none
    ingest(host, [MetricSample("host.cpu.percent", 99.0, timezone.now())])
    raise_alert(disk_rule, find_series(metric="host.cpu.percent", host=host).get())
    client.force_login(olga)
    card = next(c for c in client.get("/").context["target_cards"] if c["target"].name == "shop")
    assert card["state"] == "down"


def test_an_alert_reads_in_the_readers_language_wherever_it_shows(olga, client, disk_alert):
    from erpkeeper.accounts.services import set_language

    set_language(olga, "zh-hans")
    client.force_login(olga)
    chinese = "磁盘即将写满（erp1 /）"
    assert chinese in client.get("/alerts/alert/").content.decode()
    card = client.get("/").context["target_cards"][0]
    assert chinese in [reason["text"] for reason in card["reasons"]]
    target = disk_alert.host.targets.get()
    assert chinese in client.get(f"/targets/target/{target.pk}/change/").content.decode()
