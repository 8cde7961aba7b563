"""The code health review of custom Tryton modules: a real installed module (trytond's sale,
copied and treated as custom) and a small hand-written one with known problems, through the
services, the CLI, the API and the console."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
import trytond.modules.sale
from django.core.exceptions import ValidationError

from erpkeeper.cli import main
from erpkeeper.core.models import Job
from erpkeeper.core.scheduler import run_schedule, schedules
from erpkeeper.performance import services
from erpkeeper.performance.codehealth import tools
from erpkeeper.performance.codehealth.tryton import tryton_hits
from erpkeeper.performance.models import CodeFolder, CodeReview
from erpkeeper.targets import services as targets

SALE = Path(trytond.modules.sale.__file__).parent

TRYTON_CFG = """[tryton]
version=8.2.0
depends:
    ir
    sale
xml:

[register]
model:
    sale.Sale
"""

SALE_PY = """from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({'mark_lines': {}, 'totals': {}})

    @classmethod
    def mark_lines(cls, sales):
        pool = Pool()
        Line = pool.get('sale.line')
        for sale in sales:
            lines = Line.search([('sale', '=', sale.id)])
            if not lines:
                line = Line(sale=sale)
                line.save()
        Transaction().commit()

    @classmethod
    def totals(cls, sales, table):
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT SUM(amount) FROM " + table)
        return classify(*cursor.fetchone(), len(sales), 0)


def unused_helper():
    return 42


def classify(a, b, c, d):
    grade = 0
    if a > 1:
        grade += 1
    if a > 2:
        grade += 1
    if b > 1:
        grade += 1
    if b > 2:
        grade += 1
    if c > 1:
        grade += 1
    if c > 2:
        grade += 1
    if d > 1:
        grade += 1
    if d > 2:
        grade += 1
    if a > b:
        grade += 1
    if c > d:
        grade += 1
    if a > d:
        grade += 1
    return grade
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture(autouse=True)
def code_roots(settings, tmp_path):
    """The tests' module folders live under tmp_path: the one folder the review may read."""
    settings.CODE_ROOTS = [str(tmp_path)]


@pytest.fixture
def erp(db, tmp_path):
    return targets.add_target(
        name="erp", database_url=f"sqlite:///{tmp_path / 'erp.sqlite'}", verify=False
    )


@pytest.fixture
def custom(tmp_path) -> Path:
    """A folder of custom modules: ``custom_sales`` (known problems) and ``sale`` (trytond's
    own, copied)."""
    root = tmp_path / "custom"
    module = root / "custom_sales"
    module.mkdir(parents=True)
    (module / "tryton.cfg").write_text(TRYTON_CFG)
    (module / "__init__.py").write_text("")
    (module / "sale.py").write_text(SALE_PY)
    (module / "broken.py").write_text("def broken(:\n    pass\n")
    return root


@pytest.fixture
def sale_copy(tmp_path) -> Path:
    copy = tmp_path / "vendor" / "sale"
    shutil.copytree(SALE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.django_db
def test_a_real_tryton_module_is_reviewed_with_scores_and_worst_functions(erp, sale_copy):
    services.add_code_folder(erp, str(sale_copy))
    review = services.run_code_review(erp)
    assert review.status == "succeeded", review.error
    module = review.modules.get()
    assert module.name == "sale" and module.path == str(sale_copy)
    assert module.files >= 8 and module.lines > 4000 and module.functions > 200
    assert 0 <= module.score < 100 and review.score == module.score
    assert module.maintainability is not None
    # sale.py is the largest file, well over a thousand lines; tests/ is left out.
    assert module.largest_files[0]["file"] == "sale.py"
    assert module.largest_files[0]["lines"] > 1000
    assert not any(i["file"].startswith("tests") for i in module.issues)
    # The worst functions are listed with file:line and complexity, most complex first.
    worst = review.worst
    assert len(worst) == 10 and worst[0]["complexity"] >= worst[-1]["complexity"] > 10
    first = worst[0]
    source = (sale_copy / first["file"]).read_text().splitlines()
    assert f"def {first['function'].rsplit('.', 1)[-1]}(" in source[first["line"] - 1]
    # Every tool ran and found something real in a module this size.
    assert {i["check"] for i in module.issues} >= {"radon.complexity", "vulture", "ruff"}
    assert all(v for v in review.tools.values())
    assert services.note_texts(review) == []


@pytest.mark.django_db(transaction=True)
def test_the_cli_reviews_a_hand_written_module_and_shows_its_problems(capsys, erp, custom):
    assert main(["code", "folder", "add", "erp", str(custom)]) == 0
    assert main(["code", "review", "erp"]) == 0
    capsys.readouterr()
    review = CodeReview.objects.get()
    assert main(["code", "show", str(review.pk)]) == 0
    text = capsys.readouterr().out
    assert f"code review {review.pk} of erp: succeeded" in text
    assert "custom_sales" in text
    classify = line_of(SALE_PY, "def classify(")
    assert f"custom_sales/sale.py:{classify}" in text and "classify" in text
    broken = custom / "custom_sales" / "broken.py"
    assert (
        f"- {broken} line 1: syntax error (invalid syntax); the file is left out of the review."
        in text
    )

    assert main(["--json", "code", "show", str(review.pk), "--issues"]) == 0
    data = json.loads(capsys.readouterr().out)
    (module,) = data["modules"]
    assert module["name"] == "custom_sales" and module["files"] == 3
    assert module["n_plus_one"] == 3 and module["commits"] == 1 and module["sql_concat"] == 1
    assert module["syntax_errors"] == 1 and module["complex_functions"] == 1
    found = {(i["check"], i["line"]) for i in module["issues"] if i["file"] == "sale.py"}
    assert found >= {
        ("tryton.n_plus_one", line_of(SALE_PY, "Line.search(")),
        ("tryton.n_plus_one", line_of(SALE_PY, "line = Line(sale=sale)")),
        ("tryton.n_plus_one", line_of(SALE_PY, "line.save()")),
        ("tryton.commit", line_of(SALE_PY, "Transaction().commit()")),
        ("tryton.sql_concat", line_of(SALE_PY, "cursor.execute(")),
        ("radon.complexity", classify),
    }
    dead = [i for i in module["issues"] if i["check"] == "vulture"]
    assert [(d["line"], d["message"]) for d in dead] == [
        (line_of(SALE_PY, "def unused_helper"), "unused function 'unused_helper' (60% confidence)")
    ]
    assert data["worst"][0] == {
        "module": "custom_sales",
        "file": "sale.py",
        "line": classify,
        "function": "classify",
        "complexity": 12,
        "lines": 25,
    }


@pytest.mark.django_db(transaction=True)
def test_the_cli_refuses_bad_targets_and_folders(capsys, erp, tmp_path):
    assert main(["code", "review", "nope"]) == 3
    assert "no target named 'nope'" in capsys.readouterr().err
    assert main(["code", "review", "erp"]) == 2
    assert "erp names no custom module folders" in capsys.readouterr().err
    assert main(["code", "folder", "add", "erp", str(tmp_path / "missing")]) == 2
    assert f"{tmp_path / 'missing'} does not exist." in capsys.readouterr().err
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert main(["code", "folder", "add", "erp", str(a_file)]) == 2
    assert f"{a_file} is a file, not a folder." in capsys.readouterr().err
    assert main(["code", "folder", "add", "erp", "modules/custom"]) == 2
    assert "modules/custom is not an absolute path." in capsys.readouterr().err
    assert main(["code", "folder", "add", "nope", str(tmp_path)]) == 3
    assert main(["code", "show", "999999"]) == 3
    assert not CodeFolder.objects.exists()


@pytest.mark.django_db
def test_a_folder_outside_the_code_roots_is_refused_even_through_a_link(erp, tmp_path):
    with pytest.raises(ValidationError, match="outside the folders the code review may read"):
        services.add_code_folder(erp, "/etc")
    link = tmp_path / "innocent"
    link.symlink_to("/etc")
    with pytest.raises(ValidationError, match="ERPKEEPER_CODE_ROOTS"):
        services.add_code_folder(erp, str(link))
    assert not CodeFolder.objects.exists()


@pytest.mark.django_db
def test_a_vanished_folder_an_unreadable_file_and_a_missing_tool_are_notes(
    erp, custom, tmp_path, monkeypatch
):
    gone = tmp_path / "gone"
    gone.mkdir()
    services.add_code_folder(erp, str(gone))
    services.add_code_folder(erp, str(custom))
    gone.rmdir()
    (custom / "custom_sales" / "latin1.py").write_bytes(b"name = '\xe9'\n")
    real_find_spec = tools.importlib.util.find_spec
    monkeypatch.setattr(
        tools.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "vulture" else real_find_spec(name, *a),
    )
    review = services.run_code_review(erp)
    assert review.status == "succeeded"
    notes = services.note_texts(review)
    assert f"{gone} does not exist." in notes
    latin1 = custom / "custom_sales" / "latin1.py"
    assert f"{latin1} is not UTF-8 text: left out of the review." in notes
    assert "vulture is not installed: that part of the review was skipped." in notes
    module = review.modules.get()
    assert module.counts["unreadable_files"] == 1 and module.counts["dead_code"] == 0
    assert module.counts["n_plus_one"] == 3  # the rest was still reviewed


@pytest.mark.django_db
def test_a_review_out_of_time_fails_saying_so(erp, custom, settings):
    settings.CODE_REVIEW_TIME_LIMIT = 0
    services.add_code_folder(erp, str(custom))
    with pytest.raises(services.CodeReviewFailed):
        services.run_code_review(erp)
    review = CodeReview.objects.get()
    assert review.status == "failed"
    assert review.error == "No module could be reviewed; the notes say why."
    assert services.note_texts(review) == ["Time limit reached: not reviewed: custom_sales."]


@pytest.mark.django_db
def test_the_api_queues_reviews_for_dbas_and_shows_the_change(
    api_client_for, dave, victor, erp, custom, tmp_path
):
    dba, viewer = api_client_for(dave), api_client_for(victor)
    none_yet = dba.post("/api/v1/performance/code-reviews/", {"target": "erp"}, format="json")
    assert none_yet.status_code == 400 and "names no custom module folders" in str(none_yet.json())
    missing = dba.post(
        "/api/v1/performance/code-folders/",
        {"target": "erp", "path": str(tmp_path / "missing")},
        format="json",
    )
    assert missing.status_code == 400
    assert missing.json() == {"path": [f"{tmp_path / 'missing'} does not exist."]}
    a_file = custom / "custom_sales" / "sale.py"
    is_file = dba.post(
        "/api/v1/performance/code-folders/", {"target": "erp", "path": str(a_file)}, format="json"
    )
    assert is_file.json() == {"path": [f"{a_file} is a file, not a folder."]}
    unknown = dba.post(
        "/api/v1/performance/code-folders/", {"target": "nope", "path": str(custom)}, format="json"
    )
    assert unknown.status_code == 400 and "target" in unknown.json()
    denied = viewer.post(
        "/api/v1/performance/code-folders/", {"target": "erp", "path": str(custom)}, format="json"
    )
    assert denied.status_code == 403
    added = dba.post(
        "/api/v1/performance/code-folders/", {"target": "erp", "path": str(custom)}, format="json"
    )
    assert added.status_code == 201 and added.json()["path"] == str(custom)
    again = dba.post(
        "/api/v1/performance/code-folders/", {"target": "erp", "path": str(custom)}, format="json"
    )
    assert again.status_code == 400 and "already a module folder" in str(again.json())

    queued = dba.post("/api/v1/performance/code-reviews/", {"target": "erp"}, format="json")
    assert queued.status_code == 202
    assert Job.objects.get(pk=queued.json()["id"]).kind == "performance.code_review"
    assert (
        viewer.post("/api/v1/performance/code-reviews/", {"target": "erp"}, format="json")
    ).status_code == 403
    unknown = dba.post("/api/v1/performance/code-reviews/", {"target": "nope"}, format="json")
    assert unknown.status_code == 400 and "target" in unknown.json()

    first = services.run_code_review(erp)
    (custom / "custom_sales" / "broken.py").write_text("def fixed():\n    return 1\n")
    second = services.run_code_review(erp)
    listed = viewer.get("/api/v1/performance/code-reviews/?target=erp").json()
    listed = listed.get("results", listed)
    assert [r["id"] for r in listed] == [second.pk, first.pk]
    detail = viewer.get(f"/api/v1/performance/code-reviews/{second.pk}/").json()
    assert detail["modules"][0]["name"] == "custom_sales"
    assert detail["change"]["previous"] == first.pk
    assert detail["change"]["counts"]["syntax_errors"] == -1
    assert detail["change"]["score"] == round(second.score - first.score, 1)
    assert detail["notes"] == []


@pytest.mark.django_db
def test_the_console_shows_the_review_with_its_trend_and_only_dbas_review(
    console_client_for, olga, victor, erp, custom
):
    services.add_code_folder(erp, str(custom))
    first = services.run_code_review(erp)
    second = services.run_code_review(erp)
    ops = console_client_for(olga)
    page = ops.get(f"/performance/codereview/{second.pk}/change/")
    assert page.status_code == 200
    assert 'data-testid="code-health"' in page.text and "ek-code-chart" in page.text
    assert f"Score +0 since the previous review #{first.pk}." in page.text
    assert "custom_sales/sale.py:" in page.text and "classify" in page.text
    assert "syntax error (invalid syntax)" in page.text
    target_page = ops.get(f"/targets/target/{erp.pk}/change/")
    assert 'data-testid="code-health-panel"' in target_page.text
    assert f"score {second.score} over 1 module</a>" in target_page.text
    assert "+0 since the previous review" in target_page.text
    newest = ops.get(f"/performance/codereview/target/{erp.pk}/")
    assert newest.status_code == 302 and newest["Location"].endswith(f"/{second.pk}/change/")
    listing = ops.get("/performance/codereview/")
    assert listing.status_code == 200 and "Review now" in listing.text
    assert ops.get("/performance/codefolder/").status_code == 200

    viewer = console_client_for(victor)
    assert viewer.get(f"/performance/codereview/{second.pk}/change/").status_code == 200
    assert "Review now" not in viewer.get("/performance/codereview/").text
    assert viewer.get("/performance/codefolder/add/").status_code == 403


def test_the_tryton_checks_see_loops_and_comprehensions_but_not_other_searches():
    source = """
import re
from trytond.pool import Pool
from trytond.transaction import Transaction


def names(ids, texts):
    Party = Pool().get('party.party')
    parties = [Party.browse([i])[0] for i in ids]
    found = [re.search('x', text) for text in texts]
    for text in texts:
        re.search('y', text)
    everyone = Party.search([])
    transaction = Transaction()
    transaction.commit()
    query = f"SELECT * FROM party_party WHERE name = '{texts[0]}'"
    transaction.connection.cursor().execute(query)
    transaction.connection.cursor().execute(*Party.__table__().select())
    return parties, found, everyone
"""
    hits = tryton_hits(ast.parse(source))
    assert [(h.check, h.line, h.detail) for h in hits] == [
        ("tryton.n_plus_one", 9, "Party.browse()"),
        ("tryton.commit", 15, "Transaction().commit()"),
        ("tryton.sql_concat", 17, "transaction.connection.cursor().execute(...)"),
    ]


@pytest.mark.django_db
def test_the_weekly_review_covers_only_targets_that_name_module_folders(erp, custom, tmp_path):
    targets.add_target(
        name="no-code", database_url=f"sqlite:///{tmp_path / 'other.sqlite'}", verify=False
    )
    services.add_code_folder(erp, str(custom))
    weekly = next(s for s in schedules() if s.name == "performance.code_review")
    assert weekly.cron == "30 3 * * 0"
    jobs = run_schedule(weekly)
    assert [(job.kind, job.target.name) for job in jobs] == [("performance.code_review", "erp")]
