"""The team pages in a real browser (Debian's headless Chromium), as a manager uses them:
the RACI grid edited and saved, and the on-call page with its timeline. Screenshots go to the
test's folder, and to docs/img on request (ERPKEEPER_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from django.utils import timezone

from erpkeeper.accounts.teams import services
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def keep(page, tmp_path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, DOCS_IMG / name)


def test_a_manager_sets_the_accountable_team_in_the_grid_and_sees_who_is_on_call(
    live_server, browser_page, mark, olga, dave, tmp_path
):
    ops = services.create_team(name="Ops", lead=olga)
    services.create_team(name="DBA", lead=dave)
    services.create_rota(
        team=ops,
        name="Primary",
        rotation="weekly",
        start_date=timezone.localdate() - dt.timedelta(days=3),
        members=[olga, dave],
    )
    services.write_handover_note(ops.rotas.get(), "erp-host's disk grows 2 GB a day", actor=olga)
    page, base = browser_page, live_server.url
    sign_in(page, base, "mark", PERSONA_PASSWORD)

    page.goto(base + "/accounts/raciassignment/matrix/")
    page.select_option(f"select[name='cell:backup:team:{ops.pk}']", "A")
    page.click("[data-testid=raci-save]")
    page.wait_for_load_state("networkidle")
    assert services.accountable_for("backup") == ops
    row = page.locator("tr[data-area=backup]")
    assert "no Accountable yet" not in row.inner_text()
    keep(page, tmp_path, "raci-matrix.png")

    page.goto(base + "/accounts/rota/on-call/")
    section = page.locator("section[data-team=Ops]")
    now = section.locator("[data-testid=on-call-now]").inner_text()
    assert "On call now:" in now and ("olga" in now or "dave" in now)
    assert section.locator("[role=listitem]").count() == 8
    assert "grows 2 GB a day" in section.inner_text()
    keep(page, tmp_path, "on-call.png")
