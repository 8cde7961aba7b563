"""The knowledge base in the console: the article editor (Markdown preview, versions and
their diff, files), the full-text search page, categories (PDF manual export), review tasks,
and the "write an article" action on tickets."""

from erpkeeper.knowledge.admin import articles, setup, tickets  # noqa: F401
