"""Translation catalogs: extract (makemessages), check completeness, compile.

``python -m erpkeeper.lib.messages update`` re-extracts the strings into
erpkeeper/locale/{en,zh_Hans} and compiles them; ``check`` lists untranslated or fuzzy entries.
Compiled .mo files are committed so that an install needs no gettext tools.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ["en", "zh_Hans"]
DOMAINS = ["django"]
IGNORE = [".venv", "tests", "benchmarks", "node_modules", "var", ".cache", "*/migrations/*"]


def catalog_path(language: str, domain: str = "django") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def extract(root: Path = PROJECT_DIR) -> None:
    """Run Django's makemessages over the package (needs GNU gettext's xgettext)."""
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    for language in LANGUAGES:
        command += ["-l", language]
    for pattern in IGNORE:
        command += ["--ignore", pattern]
    env = {
        **os.environ,
        "ERPKEEPER_HOME": os.environ.get("ERPKEEPER_HOME", str(root / ".cache/msg")),
    }
    subprocess.run(command, cwd=root, check=True, env=env)


def fill_english() -> None:
    """English is the source language: its catalog maps each string to itself."""
    catalog = polib.pofile(str(catalog_path("en")))
    for entry in catalog:
        if not entry.translated():
            entry.msgstr = entry.msgid
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save()


def compile_all() -> None:
    for language in LANGUAGES:
        for domain in DOMAINS:
            po_file = catalog_path(language, domain)
            if po_file.exists():
                polib.pofile(str(po_file)).save_as_mofile(str(po_file.with_suffix(".mo")))


def problems(language: str = "zh_Hans") -> list[str]:
    catalog = polib.pofile(str(catalog_path(language)))
    found = [f"untranslated: {entry.msgid!r}" for entry in catalog.untranslated_entries()]
    found += [f"fuzzy: {entry.msgid!r}" for entry in catalog.fuzzy_entries()]
    return found


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "check"
    if action == "update":
        extract()
        fill_english()
        compile_all()
    elif action == "compile":
        compile_all()
    missing = problems()
    for line in missing:
        print(line)
    print(f"{len(missing)} zh_Hans entries need translation")
    return 1 if missing and action == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
