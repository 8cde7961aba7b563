"""SoD analysis on the real demo ERP: the deliberate conflict with its path, administrators as
one line each, Tryton's N-user approval as a built-in mitigation, simulation, and rule files
that are broken or name what the ERP does not have."""

from __future__ import annotations

import pytest

from erpkeeper.security.sod.analysis import analyse, simulate
from erpkeeper.security.sod.rules import RuleSetError, parse_ruleset
from tests.security.helpers import access_of, scalar, shipped_text, write


@pytest.fixture
def ruleset():
    return parse_ruleset(shipped_text(), "tryton.yaml")


def conflict_of(result, login, risk):
    found = [c for c in result.conflicts if c.login == login and c.risk == risk]
    assert found, f"{login} has no {risk}: {[(c.login, c.risk) for c in result.conflicts]}"
    return found[0]


def test_the_deliberate_conflict_is_found_with_its_path(tryton_sqlite_db, ruleset):
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    conflict = conflict_of(result, "zhou.qiang", "P2P-02")
    sides = {side.function: side for side in conflict.sides}
    confirm = sides["PURCHASE_CONFIRM"].grants[0]
    assert confirm.permission == "purchase.purchase ▸ confirm"
    assert {"group": "Purchase", "role": "Buyer"} in confirm.via
    post = [g for g in sides["INVOICE_POST"].grants if g.permission.endswith("post")][0]
    assert post.via == [{"group": "Accounting", "role": "Accountant"}]
    assert conflict.severity == "high" and not conflict.mitigation


def test_administrators_are_one_line_each_not_conflicts(tryton_sqlite_db, ruleset):
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    assert [a.login for a in result.administrators] == ["admin"]
    assert "P2P-02" in result.administrators[0].risks
    assert not [c for c in result.conflicts if c.login == "admin"]


def test_inactive_users_are_not_in_conflict(tryton_sqlite_db, ruleset):
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    assert "zheng.kai" not in {c.login for c in result.conflicts}  # deactivated accountant


def test_a_role_that_is_itself_conflicting_is_reported(tryton_sqlite_db, ruleset):
    write(
        tryton_sqlite_db,
        (
            'INSERT INTO "res_role-res_group" (role, "group", create_date, create_uid) '
            "SELECT r.id, g.id, '2026-01-01', 0 FROM res_role r, res_group g "
            "WHERE r.name = 'Buyer' AND g.name = 'Accounting'"
        ),
    )
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    buyer = [e for e in result.roles if e.name == "Buyer"]
    assert buyer and "P2P-02" in [c.risk for c in buyer[0].conflicts]


def test_an_approval_by_two_users_lowers_the_severity(tryton_sqlite_db, ruleset):
    for button in ("post", "validate_invoice"):
        write(
            tryton_sqlite_db,
            (
                "INSERT INTO ir_model_button_rule (button, number_user, description, create_date, "
                "create_uid) SELECT id, 2, 'two signatures', '2026-01-01', 0 FROM ir_model_button "
                "WHERE model = 'account.invoice' AND name = ?",
                (button,),
            ),
        )
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    conflict = conflict_of(result, "zhou.qiang", "P2P-02")
    assert "account.invoice ▸ post" in conflict.mitigation
    assert conflict.effective_severity == "medium"


def test_what_the_erp_lacks_is_named_and_the_rest_runs(tryton_sqlite_db, ruleset):
    result = analyse(ruleset, access_of(tryton_sqlite_db))
    assert any(
        "PAYMENT_APPROVE: not applicable here" in m and "account.payment" in m
        for m in result.not_applicable
    )
    assert any(m.startswith("risk P2P-05: not applicable here") for m in result.not_applicable)
    assert "P2P-05" not in {r.id for r in result.risks}
    assert result.conflicts  # the other risks still ran


def test_simulating_a_grant_names_the_new_risks_and_writes_nothing(tryton_sqlite_db, ruleset):
    before = scalar(tryton_sqlite_db, 'SELECT count(*) FROM "res_user-res_group"')
    access = access_of(tryton_sqlite_db)
    found = simulate(ruleset, access, "liu.yang", add_group="purchase.group_purchase")
    assert [c.risk for c in found["introduced"]] == ["P2P-03"]
    assert found["existing"] == ["INV-01"]
    by_role = simulate(ruleset, access, "li.na", add_role="Accountant")
    assert "O2C-01" in [c.risk for c in by_role["introduced"]]
    assert scalar(tryton_sqlite_db, 'SELECT count(*) FROM "res_user-res_group"') == before


def errors_of(text: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset(text, "bad.yaml")
    return caught.value.errors


def test_invalid_yaml_is_one_line_with_the_place():
    (error,) = errors_of("ruleset: x\nfunctions: [unclosed\n")
    assert error.startswith("bad.yaml: line ") and "not valid YAML" in error


def test_every_schema_error_is_listed_with_its_path():
    text = (
        shipped_text()
        .replace("severity: high", "severity: huge", 1)
        .replace(
            "    process: procure-to-pay\n    permissions:",
            "    proces: procure-to-pay\n    permissions:",
            1,
        )
        + "colour: blue\n"
    )
    errors = errors_of(text)
    assert any(e.startswith("bad.yaml: colour: unknown key") for e in errors)
    assert any("functions.VENDOR_MAINTAIN.proces: unknown key" in e for e in errors)
    assert any(".severity: 'huge' is not one of: low, medium, high, critical" in e for e in errors)


def test_a_risk_naming_an_unknown_function_is_refused():
    text = shipped_text().replace(
        "functions: [PURCHASE_CONFIRM, INVOICE_POST]", "functions: [PURCHASE_CONFIRM, NO_SUCH]"
    )
    assert any("risks.P2P-02.functions: unknown function 'NO_SUCH'" in e for e in errors_of(text))


def test_the_shipped_rule_set_is_valid():
    ruleset = parse_ruleset(shipped_text(), "tryton.yaml")
    assert len(ruleset.risks) >= 10
    assert {r.process for r in ruleset.risks.values()} == {
        "procure-to-pay",
        "order-to-cash",
        "record-to-report",
        "inventory",
        "user-administration",
    }
    assert all(set(r.rationale) == {"en", "zh-Hans"} for r in ruleset.risks.values())
