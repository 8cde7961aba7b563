from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

# What writers keep: articles, their categories and files (versions are written with them).
WRITTEN = ("article", "category", "articlefile", "articleversion", "reviewtask")


class KnowledgeConfig(ErpKeeperAppConfig):
    name = "erpkeeper.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    cli_modules = ("erpkeeper.knowledge.cli",)
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
    )
    # Helpdesk agents, ops engineers and DBAs write the knowledge base; managers and viewers
    # read it through the platform's "view all" (the internal articles included); portal users
    # read published portal articles on the portal only (they have no permissions at all).
    role_rules = {
        Role.HELPDESK_AGENT: (
            Rule(app="knowledge", action="view"),
            Rule(app="knowledge", action=("add", "change"), model=WRITTEN),
            Rule(app="knowledge", action="delete", model=("articlefile", "category")),
        ),
        Role.OPS_ENGINEER: (Rule(app="knowledge", action=("add", "change"), model=WRITTEN),),
        Role.DBA: (Rule(app="knowledge", action=("add", "change"), model=WRITTEN),),
    }

    def ready(self):
        from erpkeeper.knowledge import suggestions
        from erpkeeper.servicedesk.services import portal

        # The desk sits below the knowledge base and imports nothing of it: the portal's
        # suggestions come from the suggesters registered with it (docs/knowledge.md).
        portal.register_suggester(suggestions.suggest)
