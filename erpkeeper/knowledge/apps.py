from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

# What writers keep: articles, their categories and files (versions are written with them).
WRITTEN = ("article", "category", "articlefile", "articleversion", "reviewtask")
# What writers keep of training: courses with their steps and quizzes, and sessions.
COURSEWARE = ("course", "coursestep", "question", "questionoption")
SESSIONS = ("trainingsession", "sessionmaterial", "sessionattendance")
# Parts of a course or a session, replaced when it is edited.
PARTS = ("coursestep", "question", "questionoption", "sessionmaterial", "sessionattendance")
# What managers keep: who takes which course, by when.
ASSIGNING = ("courseassignment", "enrolment")


class KnowledgeConfig(ErpKeeperAppConfig):
    name = "erpkeeper.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    cli_modules = ("erpkeeper.knowledge.cli", "erpkeeper.knowledge.cli_training")
    api_module = "erpkeeper.knowledge.api"
    navigation = (
        NavItem.for_model(
            Section.SERVICE, _("Knowledge base"), "menu_book", "knowledge.article", 20
        ),
        NavItem.for_model(
            Section.SERVICE, _("Article categories"), "account_tree", "knowledge.category", 21
        ),
        NavItem.for_model(
            Section.SERVICE, _("Article reviews"), "rate_review", "knowledge.reviewtask", 22
        ),
        NavItem.for_model(Section.SERVICE, _("Courses"), "school", "knowledge.course", 23),
        NavItem.for_model(
            Section.SERVICE,
            _("Course assignments"),
            "assignment_ind",
            "knowledge.courseassignment",
            24,
        ),
        NavItem.for_model(
            Section.SERVICE, _("Training progress"), "trending_up", "knowledge.enrolment", 25
        ),
        NavItem.for_model(
            Section.SERVICE, _("Training sessions"), "groups", "knowledge.trainingsession", 26
        ),
        # Every console user takes their own courses: no permission needed.
        NavItem(
            Section.SERVICE,
            _("My training"),
            "local_library",
            "admin:knowledge_my_training",
            "",
            27,
        ),
        NavItem(
            Section.SERVICE,
            _("Knowledge reports"),
            "monitoring",
            "admin:knowledge_reports",
            "knowledge.view_article",
            28,
        ),
    )
    # Helpdesk agents, ops engineers and DBAs write the knowledge base; managers and viewers
    # read it through the platform's "view all" (the internal articles included); portal users
    # read published portal articles on the portal only (they have no permissions at all).
    # Training: the writers write courses and run sessions as they write articles; managers
    # assign courses and run sessions; everyone takes their own courses (no permission: the
    # learner's pages and API keep to their own enrolments).
    role_rules = {
        Role.HELPDESK_AGENT: (
            Rule(app="knowledge", action="view"),
            Rule(app="knowledge", action=("add", "change"), model=WRITTEN + COURSEWARE + SESSIONS),
            Rule(app="knowledge", action="delete", model=("articlefile", "category")),
            Rule(app="knowledge", action="delete", model=PARTS),
        ),
        Role.OPS_ENGINEER: (
            Rule(app="knowledge", action=("add", "change"), model=WRITTEN + COURSEWARE + SESSIONS),
            Rule(app="knowledge", action="delete", model=PARTS),
        ),
        Role.DBA: (
            Rule(app="knowledge", action=("add", "change"), model=WRITTEN + COURSEWARE + SESSIONS),
            Rule(app="knowledge", action="delete", model=PARTS),
        ),
        Role.MANAGER: (
            Rule(app="knowledge", action=("add", "change", "delete"), model=ASSIGNING),
            Rule(app="knowledge", action=("add", "change"), model=SESSIONS),
        ),
    }

    def ready(self):
        from erpkeeper.knowledge import suggestions
        from erpkeeper.servicedesk.services import portal

        # The desk sits below the knowledge base and imports nothing of it: the portal's
        # suggestions come from the suggesters registered with it (docs/knowledge.md).
        portal.register_suggester(suggestions.suggest)
