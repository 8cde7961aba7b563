"""Knowledge base operations for every interface (console, portal, API, CLI, jobs): one
function each. The service desk's reports read ``suggestion_reads`` for deflection."""

from erpkeeper.knowledge.services.articles import (
    article_from_ticket,
    create_article,
    latest_version_number,
    link_translation,
    save_article,
    update_article,
    version_diff,
)
from erpkeeper.knowledge.services.feedback import (
    complete_review,
    raise_review_tasks,
    record_suggestion_read,
    suggestion_reads,
    vote,
)
from erpkeeper.knowledge.services.files import attach_file, file_path
from erpkeeper.knowledge.services.index import index_article, reindex
from erpkeeper.knowledge.services.manual import manual_filename, manual_pdf, render_manual
from erpkeeper.knowledge.services.visibility import readable_articles, readable_by, search_scope

__all__ = [
    "article_from_ticket",
    "attach_file",
    "complete_review",
    "create_article",
    "file_path",
    "index_article",
    "latest_version_number",
    "link_translation",
    "manual_filename",
    "manual_pdf",
    "raise_review_tasks",
    "readable_articles",
    "readable_by",
    "record_suggestion_read",
    "reindex",
    "render_manual",
    "save_article",
    "search_scope",
    "suggestion_reads",
    "update_article",
    "version_diff",
    "vote",
]
