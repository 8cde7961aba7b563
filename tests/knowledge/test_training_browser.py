"""Training in a real browser (Debian's headless Chromium): a course assigned to the ERP's
Accounting group (read from a real Tryton ERP's access snapshot) is taken on the portal by an
accountant, who reads the steps in order, fails the quiz once, passes it, and downloads the
certificate."""

from __future__ import annotations

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import AssignmentKind, Attempt, Enrolment
from tests.fixtures.browser import BROWSER_MARKS
from tests.servicedesk.test_portal_browser import portal_sign_in

pytestmark = BROWSER_MARKS


def test_an_accountant_takes_and_passes_a_course_assigned_by_the_erp_group(
    live_server, browser_page, course, shop, accountants, mark, tmp_path
):
    services.assign_course(
        course, kind=AssignmentKind.ERP_GROUP, target=shop, erp_group="Accounting", actor=mark
    )
    page, base = browser_page, live_server.url
    portal_sign_in(page, base, "sun.li")

    page.click("text=My training")
    page.click("[data-testid=my-courses] a:has-text('Posting supplier invoices')")
    for title in ("Entering a supplier invoice", "Posting supplier invoices"):
        assert title in page.inner_text("[data-testid=step] h2")
        page.click("[data-testid=mark-read]")
        page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=step-read]").count() == 2

    quiz = page.locator("[data-testid=quiz]")
    quiz.locator("label:has-text('A purchase order') input").check()
    quiz.locator("label:has-text('Cancel it') input").check()
    page.click("[data-testid=submit-quiz]")
    page.wait_for_load_state("networkidle")
    assert "not passed yet" in page.inner_text("body")

    quiz.locator("label:has-text('An account move') input").check()
    quiz.locator("label:has-text('Cancel it') input").check()
    quiz.locator("label:has-text('Credit it') input").check()
    page.click("[data-testid=submit-quiz]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "passed.png"), full_page=True)
    assert "Passed" in page.inner_text("[data-testid=result]")

    with page.expect_download() as download:
        page.click("[data-testid=certificate]")
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    enrolment = Enrolment.objects.get(user__username="sun.li")
    assert enrolment.completed is not None and enrolment.erp_group == "Accounting"
    assert list(Attempt.objects.filter(enrolment=enrolment).values_list("passed", flat=True)) == [
        True,
        False,
    ]
