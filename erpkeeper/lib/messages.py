"""Translation catalogs: extract (makemessages), check completeness, compile.

``python -m erpkeeper.lib.messages update`` re-extracts the strings into
erpkeeper/locale/{en,zh_Hans} and compiles them; ``check`` lists untranslated or fuzzy entries.
Compiled .mo files are committed so that an install needs no gettext tools.

``python -m erpkeeper.lib.messages unfold`` re-extracts the strings of django-unfold (which ships
no catalogs) into the console's own catalog, erpkeeper/console/locale/zh_Hans, keeping the
translations already there (new strings come out untranslated or fuzzy, so ``check`` and
tests/console/test_catalogs.py fail until they are translated), and compiles it. Run it after
upgrading django-unfold or Django. It also names the strings of the admin's JavaScript that
Django's own zh_Hans djangojs catalog lacks: add those to ``JS_CATALOG_TEMPLATE``
(see that template).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ["en", "zh_Hans"]
DOMAINS = ["django"]
# The console's catalog (unfold's strings) and the template whose strings it holds are not
# ERPKeeper's own strings: `update` leaves them to `unfold`. Without the first pattern
# makemessages would also send every string under erpkeeper/console/ to that locale dir.
CONSOLE_LOCALE_DIR = PACKAGE_DIR / "console" / "locale"
JS_CATALOG_TEMPLATE = PACKAGE_DIR / "console" / "templates" / "console" / "admin_js_catalog.html"
IGNORE = [
    ".venv",
    "tests",
    "benchmarks",
    "node_modules",
    "var",
    ".cache",
    "*/migrations/*",
    "*/console/locale",
    "*/console/templates/console/admin_js_catalog.html",
]
# unfold and those of its contrib apps that are in INSTALLED_APPS (tests check the list).
UNFOLD_APPS = ["unfold", "unfold.contrib.filters"]
CONSOLE_LANGUAGES = ["zh_Hans"]  # English needs no catalog: the msgids are English
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;"}


def catalog_path(language: str, domain: str = "django") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def console_catalog_path(language: str = "zh_Hans", domain: str = "django") -> Path:
    return _po(CONSOLE_LOCALE_DIR, language, domain)


def catalogs() -> list[Path]:
    """Every catalog ERPKeeper keeps (and compiles): its own, then the console's."""
    paths = [catalog_path(lang, domain) for lang in LANGUAGES for domain in DOMAINS]
    paths += [
        console_catalog_path(lang, domain) for lang in CONSOLE_LANGUAGES for domain in DOMAINS
    ]
    return [path for path in paths if path.exists()]


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
    for po_file in catalogs():
        polib.pofile(str(po_file)).save_as_mofile(str(po_file.with_suffix(".mo")))


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{module} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def extract_unfold(languages: list[str] | None = None, into: Path | None = None) -> None:
    """Re-extract unfold's templates and Python (UNFOLD_APPS) and JS_CATALOG_TEMPLATE into the
    console's catalogs with Django's makemessages (GNU gettext), in a temporary copy so that no
    other catalog is touched; translations already in the catalogs are kept (msgmerge).
    ``into``: write the catalogs under this locale dir instead (tests compare them)."""
    languages = languages or CONSOLE_LANGUAGES
    skip = shutil.ignore_patterns("static", "locale", "contrib", "__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory(prefix="erpkeeper-unfold-msgs-") as tmp:
        work = Path(tmp)
        for app in UNFOLD_APPS:
            shutil.copytree(_package_dir(app), work / app.replace(".", "/"), ignore=skip)
        (work / "console").mkdir()
        shutil.copy(JS_CATALOG_TEMPLATE, work / "console" / JS_CATALOG_TEMPLATE.name)
        for language in languages:
            (work / "locale" / language / "LC_MESSAGES").mkdir(parents=True)
            if console_catalog_path(language).exists():
                shutil.copy(console_catalog_path(language), _po(work / "locale", language))
        command = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location"]
        for language in languages:
            command += ["-l", language]
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        subprocess.run(command, cwd=work, check=True, env=env, capture_output=into is not None)
        for language in languages:
            target = _po(into, language) if into else console_catalog_path(language)
            target.parent.mkdir(parents=True, exist_ok=True)
            catalog = polib.pofile(str(_po(work / "locale", language)))
            _set_header(catalog, language)
            catalog.save(str(target))


def _po(locale_dir: Path, language: str, domain: str = "django") -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}.po"


def _set_header(catalog: polib.POFile, language: str) -> None:
    catalog.header = (
        "Strings of django-unfold (and JS_CATALOG_TEMPLATE) for ERPKeeper's console.\n"
        "Re-extract with: python -m erpkeeper.lib.messages unfold"
    )
    catalog.metadata_is_fuzzy = False
    catalog.metadata.update(
        {
            "Project-Id-Version": "ERPKeeper console (django-unfold)",
            "Last-Translator": "ERPKeeper maintainers",
            "Language-Team": "ERPKeeper",
            "Language": language,
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": PLURAL_FORMS[language],
        }
    )
    dated = ("POT-Creation-Date", "PO-Revision-Date")  # a re-run changes nothing else
    for key in ("Report-Msgid-Bugs-To", *dated):
        catalog.metadata.pop(key, None)


def admin_javascript_msgids() -> set[str]:
    """The msgids of the admin's JavaScript as served: Django's admin/js files, where unfold's
    static/admin/js replaces some (it comes first). Needs GNU gettext's xgettext."""
    files: dict[str, Path] = {}
    for package in ("django.contrib.admin", "unfold"):  # unfold's copy wins
        root = _package_dir(package) / "static"
        for path in sorted((root / "admin" / "js").rglob("*.js")):
            relative = path.relative_to(root).as_posix()
            if "/vendor/" not in relative and not relative.endswith(".min.js"):
                files[relative] = path
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "djangojs.pot"
        command = ["xgettext", "-L", "JavaScript", "--from-code=UTF-8", "-o", str(pot)]
        command += ["--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3"]
        subprocess.run([*command, *map(str, files.values())], check=True, capture_output=True)
        return {entry.msgid for entry in polib.pofile(str(pot))}


def admin_javascript_gaps(language: str = "zh_Hans") -> set[str]:
    """Admin JavaScript strings that Django's own djangojs catalog leaves untranslated."""
    po_file = _package_dir("django.contrib.admin") / "locale" / language / "LC_MESSAGES"
    catalog = polib.pofile(str(po_file / "djangojs.po"))
    return admin_javascript_msgids() - {entry.msgid for entry in catalog.translated_entries()}


def js_catalog_template_msgids() -> set[str]:
    """The JavaScript msgids JS_CATALOG_TEMPLATE translates (the keys of its JSON object)."""
    keys = re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:', JS_CATALOG_TEMPLATE.read_text(), re.M)
    return {json.loads(key) for key in keys}


_PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[0-9a-z_]*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def _catalog_problems(po_file: Path, check_placeholders: bool) -> list[str]:
    catalog = polib.pofile(str(po_file))
    untranslated = [entry for entry in catalog.untranslated_entries() if not entry.fuzzy]
    found = [f"untranslated: {entry.msgid!r}" for entry in untranslated]
    found += [f"fuzzy: {entry.msgid!r}" for entry in catalog.fuzzy_entries()]
    if check_placeholders:
        for entry in catalog.translated_entries():
            translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            for translation in translations:
                if _placeholders(translation) != _placeholders(entry.msgid):
                    found.append(f"placeholders differ: {entry.msgid!r} -> {translation!r}")
    return found


def problems(language: str = "zh_Hans") -> list[str]:
    """Untranslated or fuzzy entries of ERPKeeper's catalog and of the console's (unfold's)
    catalog; in the console's, also translations whose placeholders differ from the msgid."""
    found = _catalog_problems(catalog_path(language), check_placeholders=False)
    console = console_catalog_path(language)
    if language in CONSOLE_LANGUAGES:
        if not console.exists():
            return [*found, f"missing: {console} (python -m erpkeeper.lib.messages unfold)"]
        found += [
            f"console: {line}" for line in _catalog_problems(console, check_placeholders=True)
        ]
    return found


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "check"
    if action == "update":
        extract()
        fill_english()
        compile_all()
    elif action == "unfold":
        extract_unfold()
        compile_all()
        gaps = sorted(admin_javascript_gaps() - js_catalog_template_msgids())
        for msgid in gaps:
            print(f"admin JavaScript string Django does not translate: {msgid!r}")
        if gaps:
            print(f"add these {len(gaps)} to {JS_CATALOG_TEMPLATE} and run this again")
    elif action == "compile":
        compile_all()
    missing = problems()
    for line in missing:
        print(line)
    print(f"{len(missing)} zh_Hans entries need translation")
    return 1 if missing and action == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
