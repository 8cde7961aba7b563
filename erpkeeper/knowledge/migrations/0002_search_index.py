"""The full-text index over knowledge_articleindex, per database: an FTS5 table kept in step by
triggers on SQLite, generated tsvector columns (title and text, title alone) with GIN indexes on
PostgreSQL (both read the
same pre-segmented words; see erpkeeper/knowledge/text.py)."""

from django.db import migrations

SQLITE = [
    # External content: the words live once, in knowledge_articleindex; FTS5 keeps its index.
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, body, "
    "content='knowledge_articleindex', content_rowid='article_id', tokenize='unicode61')",
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_articleindex BEGIN "
    "INSERT INTO knowledge_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_articleindex BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE ON knowledge_articleindex BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); "
    "INSERT INTO knowledge_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS knowledge_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_fts_insert",
    "DROP TABLE IF EXISTS knowledge_fts",
]
POSTGRESQL = [
    "ALTER TABLE knowledge_articleindex ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')) "
    "STORED",
    "CREATE INDEX knowledge_articleindex_search ON knowledge_articleindex USING GIN (search)",
    # The titles alone: a GIN index ignores weights, so "in the title" needs its own.
    "ALTER TABLE knowledge_articleindex ADD COLUMN title_search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', title)) STORED",
    "CREATE INDEX knowledge_articleindex_title_search ON knowledge_articleindex "
    "USING GIN (title_search)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS knowledge_articleindex_title_search",
    "ALTER TABLE knowledge_articleindex DROP COLUMN IF EXISTS title_search",
    "DROP INDEX IF EXISTS knowledge_articleindex_search",
    "ALTER TABLE knowledge_articleindex DROP COLUMN IF EXISTS search",
]


def forward(apps, schema_editor):
    _run(schema_editor, SQLITE, POSTGRESQL)


def backward(apps, schema_editor):
    _run(schema_editor, SQLITE_REVERSE, POSTGRESQL_REVERSE)


def _run(schema_editor, sqlite, postgresql):
    statements = {"sqlite": sqlite, "postgresql": postgresql}.get(schema_editor.connection.vendor)
    for statement in statements or ():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles")]

    operations = [migrations.RunPython(forward, backward)]
