"""Framework libraries: the shipped ones validate and load, a CISO Assistant-format file loads,
a malformed file names its problems and loads nothing, a newer version raises review tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.cli import main
from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.library import LibraryInvalid, parse_library
from erpkeeper.governance.compliance.models import (
    Control,
    ControlReview,
    Framework,
    FrameworkUpdate,
    Requirement,
)

FIXTURES = Path(__file__).parent / "fixtures"
CISO_STYLE = FIXTURES / "ciso-style-sample.yaml"
SHIPPED = services.builtin_files()

MINIMAL = """\
urn: urn:test:risk:library:mini
ref_id: MINI
name: Mini
version: {version}
objects:
  framework:
    urn: urn:test:risk:framework:mini
    ref_id: MINI
    name: Mini
    requirement_nodes:
    - urn: urn:test:risk:req_node:mini:1
      ref_id: '1'
      assessable: true
      depth: 1
      name: {first}
{more}"""

SECOND = """\
    - urn: urn:test:risk:req_node:mini:2
      ref_id: '2'
      assessable: true
      depth: 1
      name: Second
"""

THIRD = """\
    - urn: urn:test:risk:req_node:mini:3
      ref_id: '3'
      assessable: true
      depth: 1
      name: Third
"""


def mini(version=1, first="First", more=SECOND) -> str:
    return MINIMAL.format(version=version, first=first, more=more)


BAD_DEPTH = mini().replace("depth: 1\n      name: First", "depth: zero\n      name: First")


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_library_validates_with_both_languages(path):
    library = parse_library(path.read_bytes())

    assessable = [node for node in library.nodes if node.assessable]
    assert assessable, "a library without assessable requirements"
    for node in library.nodes:
        assert node.texts.name_zh and node.texts.name_en, node.urn
        assert node.ref_id, node.urn
    assert library.texts.name_zh and library.texts.name_en


def test_the_shipped_libraries_cover_the_frameworks_of_the_issue():
    refs = {parse_library(path.read_bytes()).ref_id for path in SHIPPED}

    assert refs >= {
        "PIPL",
        "DSL",
        "CSL",
        "GB/T 22239-2019 L2",
        "GB/T 22239-2019 L3",
        "GDPR",
        "ISO/IEC 27001:2022 Annex A",
        "SOX ITGC",
    }


def test_the_cybersecurity_law_uses_the_numbering_in_force_from_2026():
    csl = parse_library((services.library.LIBRARIES / "cn-csl-2026.yaml").read_bytes())
    refs = {node.ref_id for node in csl.nodes}

    assert "Art. 23(3)" in refs  # logs kept six months: Art. 21(3) of the 2017 text
    assert "Art. 21(3)" not in refs


def test_a_ciso_assistant_format_file_loads_with_its_translations(db):
    result = services.load_library(CISO_STYLE.read_bytes(), source_name=CISO_STYLE.name)

    framework = result.framework
    assert result.outcome == services.Outcome.CREATED
    assert (framework.ref_id, framework.version, framework.locale) == ("SAMPLE-2024", 2, "fr")
    assert (framework.name_en, framework.name_zh) == ("Sample framework", "示例框架")
    backups = Requirement.objects.get(framework=framework, ref_id="GOV.1")
    assert (backups.name_en, backups.name_zh, backups.depth) == ("Backups", "备份", 2)
    assert backups.parent.ref_id == "GOV"
    assert Requirement.objects.get(ref_id="GOV.2").description_en == "Access is reviewed."


def test_loading_the_same_file_twice_changes_nothing(db):
    services.load_library(mini())

    again = services.load_library(mini())

    assert again.outcome == services.Outcome.UNCHANGED
    assert Requirement.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("urn: [unclosed\n", "line 2, column 1: not valid YAML"),
        ("- just\n- a list\n", "the file is not a library"),
        (mini().replace("    urn: urn:test:risk:framework:mini\n", ""), "objects.framework.urn"),
        (BAD_DEPTH, "line 14: requirement_nodes[0].depth: must be a whole number"),
        (
            mini().replace("urn:test:risk:req_node:mini:2", "urn:test:risk:req_node:mini:1"),
            "requirement_nodes[1].urn: urn:test:risk:req_node:mini:1 appears twice",
        ),
        (mini(version="two"), "version: must be a whole number"),
        (mini().replace("objects:", "other:"), "objects: missing"),
    ],
)
def test_a_malformed_file_names_its_problem_and_loads_nothing(db, text, problem):
    with pytest.raises(ValidationError) as raised:
        services.load_library(text)

    assert any(problem in message for message in raised.value.messages), raised.value.messages
    assert not Framework.objects.exists()
    assert not Requirement.objects.exists()


def test_a_parent_must_come_before_its_child():
    text = mini(more=SECOND + "      parent_urn: urn:test:risk:req_node:mini:9\n")

    with pytest.raises(LibraryInvalid) as raised:
        parse_library(text)

    assert "requirement_nodes[1].parent_urn" in raised.value.problems[0]
    assert raised.value.problems[0].startswith("line 21:")


def test_a_newer_version_is_a_diff_with_review_tasks_for_the_mapped_controls(db):
    loaded = services.load_library(mini())
    first, second = loaded.framework.requirements.order_by("order")
    backups = Control.objects.create(ref="C-1", name_en="Backups")
    backups.requirements.add(first)
    access = Control.objects.create(ref="C-2", name_en="Access")
    access.requirements.add(second)
    untouched = Control.objects.create(ref="C-3", name_en="Untouched")

    result = services.load_library(mini(version=2, first="First, reworded", more=THIRD))

    update = FrameworkUpdate.objects.get()
    assert result.outcome == services.Outcome.UPDATED
    assert (update.from_version, update.to_version) == (1, 2)
    assert [item["ref_id"] for item in update.added] == ["3"]
    assert [item["ref_id"] for item in update.removed] == ["2"]
    assert [(item["ref_id"], item["fields"]) for item in update.changed] == [("1", ["name_en"])]
    reviews = {review.control.ref: review for review in ControlReview.objects.all()}
    assert set(reviews) == {"C-1", "C-2"}
    assert reviews["C-2"].requirements[0]["change"] == "removed"
    assert not untouched.reviews.exists()
    second.refresh_from_db()
    assert second.retired and access.requirements.get() == second


def test_an_older_version_or_changed_content_under_the_same_version_is_refused(db):
    services.load_library(mini(version=2))

    with pytest.raises(ValidationError, match="older than the loaded version 2"):
        services.load_library(mini(version=1))
    with pytest.raises(ValidationError, match="give the changed file a higher version"):
        services.load_library(mini(version=2, first="Changed"))


def test_the_cli_validates_loads_and_lists(db, tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(mini().replace("ref_id: MINI\nname", "name"), encoding="utf-8")

    assert main(["compliance", "library", "validate", str(broken)]) == 2
    assert "line 1: ref_id: missing" in capsys.readouterr().err
    assert main(["--json", "compliance", "library", "validate", str(CISO_STYLE)]) == 0
    assert json.loads(capsys.readouterr().out)["requirements"] == 3
    assert main(["--json", "compliance", "library", "load", "--builtin"]) == 0
    loaded = json.loads(capsys.readouterr().out)
    assert {row["outcome"] for row in loaded} == {"created"}
    assert len(loaded) == len(SHIPPED)
    assert main(["--json", "compliance", "library", "list"]) == 0
    listed = {row["ref_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed["PIPL"]["assessable"] > 10


def test_the_cli_refuses_a_missing_file_and_a_viewer(db, victor, capsys):
    assert main(["compliance", "library", "load", "/nonexistent.yaml"]) == 2
    assert "cannot read /nonexistent.yaml" in capsys.readouterr().err
    assert main(["--as", "victor", "compliance", "library", "load", str(CISO_STYLE)]) == 2
    assert "may not add frameworks" in capsys.readouterr().err
