"""The hash chain: ``verify`` names an entry edited, inserted or deleted with raw SQL."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from erpkeeper.cli import main
from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Eight fresh entries; returns their sequence numbers."""
    with audit.audit_context(actor_name="system:test", source="job"):
        for number in range(8):
            Group.objects.create(name=f"chain-{number}")
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert audit.verify().ok
    return sequences[-8:]


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def problems(result):
    return [(p.kind, p.sequence) for p in result.problems]


def row(sequence):
    return AuditEntry.objects.get(sequence=sequence)


def test_an_intact_chain_verifies_with_its_count_and_head(chain):
    result = audit.verify()
    assert result.ok and result.problems == []
    assert result.checked == AuditEntry.objects.count()
    assert result.head_sequence == chain[-1]
    assert result.head_hash == row(chain[-1]).hash
    assert "intact" in result.summary()


def test_the_first_entry_links_to_the_genesis_hash(chain):
    first = AuditEntry.objects.order_by("sequence").first()
    assert first.sequence == 1 and first.prev_hash == "0" * 64


def test_an_edited_entry_is_named(chain):
    target = chain[3]
    sql(
        "UPDATE core_auditentry SET after = %s WHERE sequence = %s",
        [json.dumps({"id": 1, "name": "forged"}), target],
    )
    result = audit.verify()
    assert problems(result) == [("altered", target)]
    assert f"entry #{target} was altered" in result.problems[0].message


def test_an_edited_actor_is_named(chain):
    sql("UPDATE core_auditentry SET actor_name = 'alice' WHERE sequence = %s", [chain[0]])
    assert problems(audit.verify()) == [("altered", chain[0])]


def test_an_edited_entry_whose_hash_was_recomputed_is_named(chain):
    target = chain[3]
    entry = row(target)
    entry.object_repr = "forged"
    new_hash = audit.entry_hash(entry.prev_hash, audit.hashed_fields(vars(entry)))
    sql(
        "UPDATE core_auditentry SET object_repr = 'forged', hash = %s WHERE sequence = %s",
        [new_hash, target],
    )
    result = audit.verify()
    assert problems(result) == [("altered", target)]
    assert "hash was recomputed" in result.problems[0].message


def test_a_deleted_entry_is_named(chain):
    target = chain[4]
    sql("DELETE FROM core_auditentry WHERE sequence = %s", [target])
    result = audit.verify()
    assert problems(result) == [("missing", target)]
    assert result.problems[0].message == f"entry #{target} is missing (deleted)"


def test_several_deleted_entries_are_named_as_a_range(chain):
    sql("DELETE FROM core_auditentry WHERE sequence IN (%s, %s)", [chain[2], chain[3]])
    result = audit.verify()
    assert problems(result) == [("missing", chain[2])]
    assert f"#{chain[2]} to #{chain[3]}" in result.problems[0].message


def test_a_deleted_first_entry_is_named():
    Group.objects.create(name="first")
    Group.objects.create(name="second")
    sql("DELETE FROM core_auditentry WHERE sequence = 1")
    assert problems(audit.verify()) == [("missing", 1)]


def test_a_deletion_hidden_by_renumbering_is_named(chain):
    target = chain[2]
    sql("DELETE FROM core_auditentry WHERE sequence = %s", [target])
    _shift(after=target, by=-1)
    result = audit.verify()
    assert ("missing", target) in problems(result)
    assert ("renumbered", target) in problems(result)
    assert not [p for p in result.problems if p.kind == "altered"]


def test_an_inserted_entry_is_named(chain):
    """A forger who renumbers the later entries and hashes the new one correctly."""
    target = chain[4]
    _shift(after=target - 1, by=1)
    _forge(target, prev_hash=row(target - 1).hash)
    result = audit.verify()
    assert ("inserted", target) in problems(result)
    assert f"entry #{target} was inserted" in [p.message for p in result.problems]
    assert ("renumbered", target + 1) in problems(result)
    assert not [p for p in result.problems if p.kind in ("altered", "missing")]


def test_an_inserted_entry_with_a_made_up_hash_is_named_once(chain):
    target = chain[4]
    _shift(after=target - 1, by=1)
    _forge(target, prev_hash="f" * 64, hash_value="e" * 64)
    result = audit.verify()
    assert ("inserted", target) in problems(result)
    assert [p for p in result.problems if p.sequence == target] == [
        p for p in result.problems if p.kind == "inserted"
    ]


def test_an_anchor_detects_entries_removed_from_the_end(chain):
    head = audit.verify()
    sql("DELETE FROM core_auditentry WHERE sequence = %s", [chain[-1]])
    assert audit.verify().ok  # the chain alone cannot tell
    result = audit.verify(anchor=(head.head_sequence, head.head_hash))
    assert problems(result) == [("anchor", chain[-1])]


def test_the_cli_exits_0_when_intact_and_1_naming_the_problems(chain, capsys):
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" in out and f"head: {chain[-1]}:" in out

    sql("UPDATE core_auditentry SET object_id = '999' WHERE sequence = %s", [chain[1]])
    sql("DELETE FROM core_auditentry WHERE sequence = %s", [chain[5]])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"entry #{chain[1]} was altered" in out
    assert f"entry #{chain[5]} is missing (deleted)" in out

    assert main(["--json", "audit", "verify"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert {(p["kind"], p["sequence"]) for p in data["problems"]} == {
        ("altered", chain[1]),
        ("missing", chain[5]),
    }


def test_the_cli_checks_an_anchor(chain, capsys):
    head = audit.verify()
    anchor = f"{head.head_sequence}:{head.head_hash}"
    assert main(["audit", "verify", "--anchor", anchor]) == 0
    assert main(["audit", "verify", "--anchor", f"{head.head_sequence}:{'0' * 64}"]) == 1
    assert main(["audit", "verify", "--anchor", "nonsense"]) == 2
    capsys.readouterr()


def test_verify_reads_in_chunks_and_keeps_a_bounded_window(chain):
    sql("UPDATE core_auditentry SET source = 'api' WHERE sequence = %s", [chain[6]])
    result = audit.verify(chunk_size=2, window=3)
    assert problems(result) == [("altered", chain[6])]


def test_the_problem_list_is_bounded(chain):
    sql("UPDATE core_auditentry SET source = 'api'")
    result = audit.verify(max_problems=3)
    assert len(result.problems) == 3
    assert result.more_problems == result.checked - 3
    assert not result.ok


def test_integral_floats_hash_the_same_after_a_json_round_trip():
    fields = dict.fromkeys(audit.HASHED_FIELDS, "")
    as_float = audit.entry_hash("0" * 64, {**fields, "after": {"size": 1e20, "ratio": 0.5}})
    as_int = audit.entry_hash("0" * 64, {**fields, "after": {"size": 10**20, "ratio": 0.5}})
    assert as_float == as_int


def _shift(*, after: int, by: int) -> None:
    """Renumber every entry after ``after`` by ``by`` (two steps: sequence is unique)."""
    sql(
        "UPDATE core_auditentry SET sequence = sequence + 1000000 WHERE sequence > %s",
        [after],
    )
    sql(
        "UPDATE core_auditentry SET sequence = sequence - 1000000 + %s WHERE sequence > 1000000",
        [by],
    )


def _forge(sequence: int, *, prev_hash: str, hash_value: str | None = None) -> None:
    template = AuditEntry.objects.order_by("sequence").last()
    forged = AuditEntry(
        sequence=sequence,
        time=template.time,
        actor_name="mallory",
        action="delete",
        object_type="targets.target",
        object_id="1",
        object_repr="production",
        before={"name": "production"},
        after=None,
        request_id="",
        source="console",
        prev_hash=prev_hash,
    )
    forged.hash = hash_value or audit.entry_hash(prev_hash, audit.hashed_fields(vars(forged)))
    AuditEntry.objects.bulk_create([forged])
