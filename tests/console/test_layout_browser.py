"""The console's layout in a real browser: a long unbroken target name must not widen any page
past the window (it once stretched the dashboard to 2,261 px), on a desktop and on a phone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger
from erpkeeper.core.jobs import enqueue
from erpkeeper.targets import services as targets
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS

# The longest name a target may have (Target.name holds 100 characters), without a break.
LONG_NAME = "erp-" + "x" * 96

WIDTHS = {"desktop": 1440, "phone": 390}


@pytest.fixture
def long_named_target(tmp_path):
    target = targets.add_target(
        name=LONG_NAME, database_url=f"sqlite:///{tmp_path / 'erp.sqlite'}", verify=False
    )
    Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger=BackupTrigger.MANUAL,
        status=BackupStatus.FAILED,
        location="/nowhere/" + "y" * 200,
        started=timezone.now(),
        error="z" * 300,
    )
    enqueue("core.test.sleep", target=target)
    return target


def _page_width_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_a_long_target_name_does_not_widen_any_page(
    live_server, browser_page, alice, long_named_target, device
):
    browser_page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    sign_in(browser_page, live_server.url, "alice", PERSONA_PASSWORD)
    pages = {
        "dashboard": reverse("admin:index"),
        "target list": reverse("admin:targets_target_changelist"),
        "target page": reverse("admin:targets_target_change", args=[long_named_target.pk]),
        "backup list": reverse("admin:backups_backup_changelist"),
        "backup page": reverse(
            "admin:backups_backup_change", args=[long_named_target.backups.get().pk]
        ),
        "job list": reverse("admin:core_job_changelist"),
        "job page": reverse("admin:core_job_change", args=[long_named_target.jobs.get().pk]),
    }
    overflowing = {}
    for title, url in pages.items():
        browser_page.goto(live_server.url + url)
        browser_page.wait_for_load_state("networkidle")
        assert LONG_NAME in browser_page.content(), title
        extra = _page_width_overflow(browser_page)
        if extra > 0:
            overflowing[title] = extra
    assert overflowing == {}, f"pages wider than {WIDTHS[device]} px: {overflowing}"


def test_labels_and_values_of_a_backups_contents_stand_apart(live_server, browser_page, alice):
    """The manifest once read "Compressionzstd": its label column had no gap."""
    backup = Backup.objects.create(
        target_name="shop",
        trigger=BackupTrigger.MANUAL,
        status=BackupStatus.SUCCEEDED,
        location="/backups/shop/1",
        started=timezone.now(),
        finished=timezone.now(),
        manifest={
            "format": 1,
            "ERPKEEPER_VERSION": "1.0",
            "target": {"kind": "tryton", "erp_version": "8.2", "modules": ["sale"]},
            "compression": {"algorithm": "zstd", "level": 3},
            "encrypted": False,
            "components": [],
        },
    )
    sign_in(browser_page, live_server.url, "alice", PERSONA_PASSWORD)
    browser_page.goto(live_server.url + reverse("admin:backups_backup_change", args=[backup.pk]))
    manifest = browser_page.locator("[data-testid=backup-manifest] dl")
    label = manifest.locator("dt", has_text="Compression").bounding_box()
    value = manifest.locator("dt:has-text('Compression') + dd").bounding_box()
    assert value["x"] - (label["x"] + label["width"]) >= 8
