"""Knowledge base and training operations for every interface (console, portal, API, CLI, jobs): one
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
from erpkeeper.knowledge.services.assignments import (
    REMIND_DAYS_BEFORE,
    SyncResult,
    assign_course,
    check_assignment,
    delete_assignment,
    enrol,
    erp_group_members,
    platform_users_for_logins,
    send_reminders,
    sync_all_assignments,
    sync_assignment,
)
from erpkeeper.knowledge.services.certificates import (
    certificate_filename,
    certificate_language,
    certificate_pdf,
    render_certificate,
)
from erpkeeper.knowledge.services.courses import (
    QuestionDraft,
    create_course,
    question_problem,
    save_course,
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
from erpkeeper.knowledge.services.learning import (
    all_read,
    mark_read,
    my_enrolments,
    progress,
    quiz,
    step_states,
    submit_attempt,
    verify_certificate,
)
from erpkeeper.knowledge.services.manual import manual_filename, manual_pdf, render_manual
from erpkeeper.knowledge.services.reports import (
    knowledge_report,
    parse_period,
    report_workbook,
)
from erpkeeper.knowledge.services.sessions import (
    add_article_material,
    add_file_material,
    calendar_available,
    invite,
    material_path,
    save_session,
    session_ics,
    set_attendance,
)
from erpkeeper.knowledge.services.usage import record_search, record_view
from erpkeeper.knowledge.services.visibility import readable_articles, readable_by, search_scope

__all__ = [
    "REMIND_DAYS_BEFORE",
    "SyncResult",
    "assign_course",
    "check_assignment",
    "delete_assignment",
    "enrol",
    "erp_group_members",
    "platform_users_for_logins",
    "send_reminders",
    "sync_all_assignments",
    "sync_assignment",
    "certificate_filename",
    "certificate_language",
    "certificate_pdf",
    "render_certificate",
    "QuestionDraft",
    "create_course",
    "question_problem",
    "save_course",
    "all_read",
    "mark_read",
    "my_enrolments",
    "progress",
    "quiz",
    "step_states",
    "submit_attempt",
    "verify_certificate",
    "knowledge_report",
    "parse_period",
    "report_workbook",
    "add_article_material",
    "add_file_material",
    "calendar_available",
    "invite",
    "material_path",
    "save_session",
    "session_ics",
    "set_attendance",
    "record_search",
    "record_view",
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
