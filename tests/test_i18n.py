"""The Simplified Chinese and English catalogs are complete and current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from erpkeeper.lib import messages

ROOT = Path(__file__).resolve().parents[1]


def test_every_simplified_chinese_entry_is_translated_and_not_fuzzy():
    assert messages.problems("zh_Hans") == []


def test_compiled_catalogs_match_their_sources():
    for language in messages.LANGUAGES:
        po_file = messages.catalog_path(language)
        mo_file = po_file.with_suffix(".mo")
        assert mo_file.exists(), f"{mo_file} missing: run make messages"
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


def _key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid)


def _value(entry):
    if entry.msgid_plural:
        return tuple(v for _, v in sorted(entry.msgstr_plural.items()) if v)
    return entry.msgstr
