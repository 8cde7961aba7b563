"""The console's stylesheet: every utility class our templates use must exist.

Unfold ships a prebuilt Tailwind stylesheet holding only the classes its own templates use; a
class missing from it silently does nothing (break-all on the dashboard's card titles, gap-x-6
between a label and its value). erpkeeper/console/static/console/console.css adds the missing
ones, and this test names any new one.
"""

import re
from pathlib import Path

import unfold

import erpkeeper

UNFOLD_CSS = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"
CONSOLE_CSS = Path(erpkeeper.__file__).parent / "console" / "static" / "console" / "console.css"
CLASS_ATTRIBUTE = re.compile(r'class="([^"{}%]*)"')
# A utility looks like Tailwind's: lower-case words, digits, and variants such as dark:/md:.
UTILITY = re.compile(r"^[a-z0-9:/\[\]().#%*_-]+$")
# Classes our own stylesheets or scripts define (jobs.css, live.js, the runbook's and the drill
# report's inline styles); they are not Tailwind's.
OWN_PREFIXES = ("ek-", "runbook", "material-symbols")
OWN_CLASSES = {"ok", "bad", "muted", "verdict"}


def defined_classes() -> set[str]:
    text = UNFOLD_CSS.read_text() + CONSOLE_CSS.read_text()
    return {name.replace("\\", "") for name in re.findall(r"\.((?:\\.|[\w-])+)", text)}


def used_classes() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    root = Path(erpkeeper.__file__).parent
    for path in [*root.rglob("templates/**/*.html"), *root.rglob("*.py")]:
        for attribute in CLASS_ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
            for name in attribute.split():
                if UTILITY.match(name) and not name.startswith(OWN_PREFIXES):
                    used.setdefault(name, set()).add(str(path.relative_to(root)))
    return used


def test_every_utility_class_in_our_templates_is_defined():
    defined = defined_classes() | OWN_CLASSES
    missing = {name: sorted(paths) for name, paths in used_classes().items() if name not in defined}
    assert missing == {}, "add these to console/static/console/console.css: " + str(missing)
