"""The console's stylesheet: every utility class our templates use must exist.

Unfold ships a prebuilt Tailwind stylesheet holding only the classes its own templates use; a
class missing from it silently does nothing (break-all on the dashboard's card titles, gap-x-6
between a label and its value). erpkeeper/console/static/console/console.css adds the missing
ones, and this test names any new one.
"""

import re
from pathlib import Path

import pytest
import unfold
from django.contrib.staticfiles import finders
from django.test import Client

import erpkeeper

UNFOLD_CSS = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"
CONSOLE_CSS = Path(erpkeeper.__file__).parent / "console" / "static" / "console" / "console.css"
CLASS_ATTRIBUTE = re.compile(r'class="([^"{}%]*)"')
# A utility looks like Tailwind's: lower-case words, digits, and variants such as dark:/md:.
UTILITY = re.compile(r"^[a-z0-9:/\[\]().#%*_-]+$")
# Classes our own stylesheets or scripts define (jobs.css, live.js, the runbook's, the drill
# report's and the review evidence's inline styles); they are not Tailwind's.
OWN_PREFIXES = ("ek-", "runbook", "material-symbols")
OWN_CLASSES = {"ok", "bad", "na", "muted", "verdict", "revoke", "keep", "pending"}
# Templates the console and the portal share (a course being taken): the portal's stylesheet
# styles these; in the console they only name the parts.
OWN_CLASSES |= {"training-course", "training-list", "steps", "card", "button"}
# Tailwind's group and peer markers (group/button) name an element for group-hover/button:
# variants; no stylesheet defines them.
MARKER = re.compile(r"^(group|peer)(/[\w-]+)?$")
# The service desk's portal is not the console: its pages have a stylesheet of their own
# (servicedesk/portal.css, checked by tests/servicedesk/test_portal.py).
# Nor are the knowledge base's portal pages (the portal's stylesheet) and its PDF manual (its
# own inline styles, like the drill report's).
NOT_CONSOLE = (
    "servicedesk/templates/servicedesk/portal/",
    "knowledge/templates/knowledge/portal/",
    "knowledge/templates/knowledge/manual.html",
    # Printed documents with inline styles of their own.
    "knowledge/templates/knowledge/certificate.html",
    "governance/templates/governance/compliance/report.html",
    "governance/templates/governance/privacy/map_pdf.html",
    "security/templates/security/conflict_report.html",
)


def defined_classes() -> set[str]:
    text = UNFOLD_CSS.read_text() + CONSOLE_CSS.read_text()
    return {name.replace("\\", "") for name in re.findall(r"\.((?:\\.|[\w-])+)", text)}


def used_classes() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    root = Path(erpkeeper.__file__).parent
    for path in [*root.rglob("templates/**/*.html"), *root.rglob("*.py")]:
        if str(path.relative_to(root)).startswith(NOT_CONSOLE):
            continue
        for attribute in CLASS_ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
            for name in attribute.split():
                if MARKER.match(name):
                    continue
                if UTILITY.match(name) and not name.startswith(OWN_PREFIXES):
                    used.setdefault(name, set()).add(str(path.relative_to(root)))
    return used


def test_every_utility_class_in_our_templates_is_defined():
    defined = defined_classes() | OWN_CLASSES
    missing = {name: sorted(paths) for name, paths in used_classes().items() if name not in defined}
    assert missing == {}, "add these to console/static/console/console.css: " + str(missing)


@pytest.mark.django_db
def test_every_console_page_loads_the_console_stylesheet_and_a_favicon(olga):
    client = Client()
    client.force_login(olga)
    page = client.get("/").content.decode()
    assert "console/console.css" in page
    icon = re.search(r'<link[^>]+rel="icon"[^>]+href="([^"]+)"', page)
    assert icon, "no favicon link: browsers ask /favicon.ico and get a 404"
    assert finders.find("console/favicon.svg")
    assert "console/favicon.svg" in icon.group(1)
    # The sign-in page too, before anybody is signed in.
    assert "console/favicon.svg" in Client().get("/login/").content.decode()
