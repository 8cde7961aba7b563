"""The SQL reading and PgHero's index rules, without a database."""

import pytest

from erpkeeper.performance.advisor import _choose, _covered, index_name
from erpkeeper.performance.sqlparse import Predicate, UnreadableQuery, read_query


def test_values_are_normalised_and_aliases_resolved():
    one = read_query(
        "SELECT l.id FROM sale_line l WHERE l.product = 7 AND l.sale IN (1, 2)", "postgres"
    )
    two = read_query(
        "SELECT l.id FROM sale_line l WHERE l.product = 9 AND l.sale IN (5)", "postgres"
    )
    assert one.fingerprint == two.fingerprint and "7" not in one.text
    assert one.predicates == [
        Predicate("sale_line", "product", "eq"),
        Predicate("sale_line", "sale", "eq"),
    ]


def test_joins_and_ranges():
    shape = read_query(
        "SELECT * FROM sale_sale s JOIN sale_line l ON l.sale = s.id "
        "WHERE s.party = $1 AND l.unit_price > $2",
        "postgres",
    )
    assert Predicate("sale_line", "unit_price", "range") in shape.predicates
    assert Predicate("sale_line", "sale", "join") in shape.predicates


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sale_line SET quantity = 1",
        "WITH x AS (DELETE FROM a RETURNING *) SELECT * FROM x",
        "SELECT * FROM stock_move FOR UPDATE",
    ],
)
def test_writes_are_not_reads(sql):
    assert not read_query(sql, "postgres").is_read


def test_nonsense_is_refused_with_the_parsers_reason():
    with pytest.raises(UnreadableQuery):
        read_query("SELEC FROM WHERE", "postgres")


def test_pghero_rules_pick_the_selective_column_and_skip_a_useless_one():
    chosen, left = _choose(["state", "product"], {"state": 3, "product": 2000}, 100_000)
    assert chosen == ["product"] and left == 50  # state leaves > 30 % of the 50 rows
    chosen, _left = _choose(["a", "b"], {"a": 10, "b": 100}, 100_000)
    assert chosen == ["b", "a"]
    assert _covered([["product", "effective_date", "id"]], ["product", "effective_date"])
    assert not _covered([["effective_date", "product"]], ["product"])
    assert len(index_name("x" * 80, ["y"])) == 63


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SET NAMES utf8mb4", "mysql"),
        ("SHOW GLOBAL STATUS", "mysql"),
        ("ANALYZE TABLE sale_line", "mysql"),
        ("SELECT VERSION()", "mysql"),
        ("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'x'", "mysql"),
        ("SELECT * FROM sys.schema_unused_indexes", "mysql"),
        ("SELECT count(*) FROM pg_stat_activity", "postgres"),
    ],
)
def test_housekeeping_is_no_erp_load(sql, dialect):
    assert read_query(sql, dialect).housekeeping


def test_an_erp_query_that_also_reads_the_catalogue_is_erp_load():
    shape = read_query(
        "SELECT l.id FROM sale_line AS l JOIN information_schema.TABLES AS t "
        "ON t.TABLE_NAME = 'sale_line' WHERE l.product = 3",
        "mysql",
    )
    assert not shape.housekeeping
    assert not read_query("UPDATE sale_line SET state = 'done' WHERE id = 1", "mysql").housekeeping
