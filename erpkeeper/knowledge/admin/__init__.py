"""The knowledge base in the console: the article editor (Markdown preview, versions and
their diff, files), the full-text search page, categories (PDF manual export), review tasks,
the "write an article" action on tickets; courses, assignments, progress, *My training* and
sessions; the knowledge reports."""

from erpkeeper.knowledge.admin import articles, sessions, setup, tickets, training  # noqa: F401
