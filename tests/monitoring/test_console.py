"""The monitoring console: chart pages of hosts and targets, the JSON they load, the target's
monitoring panel, and the dashboard's monitoring cards, through Django's test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.monitoring.models import Host, HostKind, Sample
from erpkeeper.monitoring.tsdb.query import find_series

pytestmark = pytest.mark.django_db


def add_week_of_samples(series, days: int, now=None) -> None:
    """A sample a minute for ``days`` days (older than ingest accepts: an agent's backlog),
    then rolled up by the storage's own job, as in production."""
    from erpkeeper.monitoring.tsdb.rollups import roll_up

    now = now or timezone.now()
    start = now - dt.timedelta(days=days)
    Sample.objects.bulk_create(
        (
            Sample(series=series, time=start + dt.timedelta(minutes=step), value=10.0 + step % 31)
            for step in range(days * 24 * 60)
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    Host.objects.filter(pk=series.host_id).update(minutes_dirty_from=start)
    roll_up(now)


# -- chart pages -------------------------------------------------------------------------------


def test_host_and_target_chart_pages_render_for_an_ops_engineer(olga, client, erp_host, shop):
    client.force_login(olga)
    for url in (f"/monitoring/charts/host/{erp_host.pk}/", f"/monitoring/charts/target/{shop.pk}/"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert 'data-chart="cpu"' in html and 'data-chart="disk"' in html
        assert 'data-testid="smart-status"' in html and "/dev/sda" in html
    target_page = client.get(f"/monitoring/charts/target/{shop.pk}/").content.decode()
    assert 'data-chart="db_size"' in target_page and 'data-chart="rpc_latency"' in target_page
    # Nothing collects the queue or cron failures here: said so, not drawn as zeros.
    assert 'data-testid="chart-queue"' in target_page
    assert 'data-chart="queue"' not in target_page and "Not available" in target_page


def test_chart_data_for_a_target_has_each_chart_with_its_lines(olga, client, erp_host, shop):
    client.force_login(olga)
    answer = client.get(f"/monitoring/charts/data/?target={shop.pk}&range=1h").json()
    charts = answer["charts"]
    assert answer["refresh"] == 10  # short ranges refresh themselves
    assert sorted(line["label"] for line in charts["disk"]["datasets"]) == ["/", "/data"]
    cpu_points = charts["cpu"]["datasets"][0]["points"]
    assert 25 <= len(cpu_points) <= 31
    time_ms, low, mean, high = cpu_points[0]
    assert low <= mean <= high and time_ms > 0
    assert charts["queue"]["datasets"] == []
    assert charts["db_connections"]["datasets"][0]["label"] == "idle"


def test_chart_data_for_seven_days_is_capped(olga, client, erp_host):
    cpu = find_series(metric="host.cpu.percent", host=erp_host).get()
    add_week_of_samples(cpu, days=7)
    client.force_login(olga)
    answer = client.get(f"/monitoring/charts/data/?host={erp_host.pk}&range=7d").json()
    assert answer["refresh"] == 0
    points = answer["charts"]["cpu"]["datasets"][0]["points"]
    assert 500 <= len(points) <= 601
    assert all(10.0 <= low <= mean <= high <= 40.0 for _t, low, mean, high in points)


def test_chart_data_for_given_series_and_times(olga, client, erp_host):
    cpu = find_series(metric="host.cpu.percent", host=erp_host).get()
    end = timezone.now()
    start = end - dt.timedelta(minutes=10)
    client.force_login(olga)
    answer = client.get(
        "/monitoring/charts/data/",
        {"series": cpu.pk, "start": start.isoformat(), "end": end.isoformat()},
    ).json()
    assert [line["series"] for line in answer["charts"]["series"]["datasets"]] == [cpu.pk]
    bad = client.get("/monitoring/charts/data/", {"host": erp_host.pk, "range": "2y"})
    assert bad.status_code == 400


def test_chart_pages_need_a_sign_in_and_the_view_permission(client, helen, erp_host):
    assert client.get(f"/monitoring/charts/host/{erp_host.pk}/").status_code == 302
    client.force_login(helen)  # helpdesk: targets only
    assert client.get(f"/monitoring/charts/host/{erp_host.pk}/").status_code == 403
    assert client.get(f"/monitoring/charts/data/?host={erp_host.pk}").status_code == 403


def test_target_panel_shows_a_disk_filling_within_two_weeks_in_amber(olga, client, erp_host, shop):
    from tests.fixtures.monitoring import add_hourly, growing

    disk = find_series(metric="host.disk.percent", host=erp_host, labels={"mount": "/"}).get()
    add_hourly(disk, growing(80.0, 1.0, days=10))  # 90 % now, 1 % a day: full in 10 days
    client.force_login(olga)
    page = client.get(f"/targets/target/{shop.pk}/change/")
    lines = page.context["monitoring_panel"]["forecasts"]
    assert lines[0]["text"] in ("full in 9 days", "full in 10 days"), lines
    assert lines[0]["state"] == "warning" and lines[0]["color"] == "#d97706"
    assert 'data-state="warning"' in page.content.decode()


def test_target_panel_does_not_call_a_database_on_an_unmonitored_disk_steady(
    olga, client, erp_host, shop
):
    from tests.fixtures.monitoring import add_hourly, growing

    size = find_series(metric="db.size_bytes", target=shop).get()
    add_hourly(size, growing(2e9, 5e7, days=10))  # 50 MB a day; no disk reports free bytes
    client.force_login(olga)
    page = client.get(f"/targets/target/{shop.pk}/change/")
    database = page.context["monitoring_panel"]["forecasts"][-1]
    assert (
        database["what"] == "Database" and database["text"] == "unknown: its disk is not monitored"
    )


# -- the host's page ---------------------------------------------------------------------------


def test_a_hosts_page_shows_labels_as_lines_and_links_to_its_charts(olga, client, erp_host):
    Host.objects.filter(pk=erp_host.pk).update(labels={"site": "shanghai", "rack": "3"})
    client.force_login(olga)
    page = client.get(f"/monitoring/host/{erp_host.pk}/change/").content.decode()
    assert "rack=3\nsite=shanghai" in page
    assert f'href="/monitoring/charts/host/{erp_host.pk}/"' in page
    listing = client.get("/monitoring/host/").content.decode()
    assert f'href="/monitoring/charts/host/{erp_host.pk}/"' in listing


def test_saving_a_hosts_labels_takes_key_value_lines_and_refuses_other_lines(
    olga, client, erp_host, shop
):
    client.force_login(olga)
    url = f"/monitoring/host/{erp_host.pk}/change/"
    form = {"targets": [shop.pk], "labels": "site = shanghai\n\nrack=3\n"}
    assert client.post(url, form).status_code == 302
    erp_host.refresh_from_db()
    assert erp_host.labels == {"site": "shanghai", "rack": "3"}

    refused = client.post(url, {**form, "labels": "site=shanghai\njust words"})
    assert refused.status_code == 200
    assert "Line 2 is not key=value: just words" in refused.content.decode()
    erp_host.refresh_from_db()
    assert erp_host.labels == {"site": "shanghai", "rack": "3"}


def test_a_target_whose_host_name_is_the_hosts_name_shows_on_the_hosts_charts(olga, client, shop):
    from erpkeeper.monitoring.placement import hosts_running

    host = Host.objects.create(name="ERP2.example.com", kind=HostKind.AGENT)
    shop.host_name = "erp2.example.com"
    shop.save()
    client.force_login(olga)
    host_page = client.get(f"/monitoring/charts/host/{host.pk}/").content.decode()
    assert f'href="/monitoring/charts/target/{shop.pk}/"' in host_page
    assert hosts_running(shop.pk) == [host.pk]
    target_page = client.get(f"/monitoring/charts/target/{shop.pk}/").content.decode()
    assert f'href="/monitoring/charts/host/{host.pk}/"' in target_page
