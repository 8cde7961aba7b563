"""The Simplified Chinese and English catalogs are complete and current: ERPKeeper's own
(erpkeeper/locale) and the console's, which translates django-unfold (erpkeeper/console/locale)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from erpkeeper.lib import messages

ROOT = Path(__file__).resolve().parents[2]


def test_every_simplified_chinese_entry_is_translated_and_not_fuzzy():
    assert messages.problems("zh_Hans") == []


def test_the_check_covers_the_console_catalog(tmp_path, monkeypatch):
    """An untranslated or fuzzy entry, or a lost placeholder, in unfold's catalog fails too."""
    console = tmp_path / "locale"
    po_file = console / "zh_Hans/LC_MESSAGES/django.po"
    po_file.parent.mkdir(parents=True)
    catalog = polib.pofile(str(messages.console_catalog_path("zh_Hans")))
    by_id = {entry.msgid: entry for entry in catalog}
    by_id["Type to search"].msgstr = ""
    by_id["Log out"].flags.append("fuzzy")
    by_id["Add %(name)s"].msgstr = "增加"
    catalog.save(str(po_file))
    monkeypatch.setattr(messages, "CONSOLE_LOCALE_DIR", console)
    found = [line for line in messages.problems("zh_Hans") if line.startswith("console: ")]
    assert found == [
        "console: untranslated: 'Type to search'",
        "console: fuzzy: 'Log out'",
        "console: placeholders differ: 'Add %(name)s' -> '增加'",
    ]


def test_compiled_catalogs_match_their_sources():
    assert messages.console_catalog_path("zh_Hans") in messages.catalogs()
    for po_file in messages.catalogs():
        mo_file = po_file.with_suffix(".mo")
        assert mo_file.exists(), f"{mo_file} missing: run make messages (or ... messages unfold)"
        compiled = {_key(e): _value(e) for e in polib.mofile(str(mo_file)) if _value(e)}
        source = {_key(e): _value(e) for e in polib.pofile(str(po_file)).translated_entries()}
        assert compiled == source, f"{mo_file} is stale: run make messages"


def test_catalog_contains_every_string_in_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("GNU gettext (xgettext) is required under CI=true")
        pytest.skip("GNU gettext (xgettext) not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "erpkeeper", copy / "erpkeeper", ignore=shutil.ignore_patterns("__pycache__", "*.mo")
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {**os.environ, "ERPKEEPER_HOME": str(tmp_path / "home")}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, '.'); from erpkeeper.lib import messages; "
            "messages.extract(messages.Path('.'))",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {
        e.msgid for e in polib.pofile(str(copy / "erpkeeper/locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    committed = {e.msgid for e in polib.pofile(str(messages.catalog_path("zh_Hans")))}
    missing = sorted(fresh - committed)
    assert not missing, (
        f"{len(missing)} strings missing from the catalog (make messages): {missing[:10]}"
    )


def test_console_catalog_holds_every_unfold_string_and_no_other(tmp_path):
    """After an upgrade of django-unfold: ``python -m erpkeeper.lib.messages unfold``."""
    _need_gettext()
    messages.extract_unfold(into=tmp_path)
    fresh = {_key(e) for e in polib.pofile(str(tmp_path / "zh_Hans/LC_MESSAGES/django.po"))}
    committed = {_key(e) for e in polib.pofile(str(messages.console_catalog_path("zh_Hans")))}
    assert sorted(fresh - committed) == [], "missing: python -m erpkeeper.lib.messages unfold"
    assert sorted(committed - fresh) == [], "obsolete: python -m erpkeeper.lib.messages unfold"


def test_unfold_catalog_covers_every_installed_unfold_app():
    from django.conf import settings

    installed = {app for app in settings.INSTALLED_APPS if app.split(".")[0] == "unfold"}
    assert installed == set(messages.UNFOLD_APPS)


def test_every_admin_javascript_string_has_a_chinese_translation():
    """Django's zh_Hans djangojs catalog or the console's (console/admin_js_catalog.html)."""
    _need_gettext()
    gaps = messages.admin_javascript_gaps("zh_Hans") - messages.js_catalog_template_msgids()
    assert sorted(gaps) == [], f"add to {messages.JS_CATALOG_TEMPLATE}"


def _need_gettext():
    if shutil.which("xgettext") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("GNU gettext (xgettext) is required under CI=true")
        pytest.skip("GNU gettext (xgettext) not installed")


def _key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid)


def _value(entry):
    if entry.msgid_plural:
        return tuple(v for _, v in sorted(entry.msgstr_plural.items()) if v)
    return entry.msgstr
