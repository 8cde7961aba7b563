from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

# What ops engineers and DBAs write: changes and what hangs on them, notes, repositories.
WORKED = ("changerequest", "checklistitem", "releasenote", "repository", "safetybackup")
# What the change manager keeps: templates (pre-approval is the board's), freezes, the board.
MANAGED = ("changetemplate", "blackoutwindow", "advisoryboard", "releasenote")


class ChangesConfig(ErpKeeperAppConfig):
    name = "erpkeeper.changes"
    label = "changes"
    verbose_name = _("Changes")
    cli_modules = ("erpkeeper.changes.cli",)
    api_module = "erpkeeper.changes.api"
    console_urls = "erpkeeper.changes.urls"
    loops = ("erpkeeper.changes.runner:start_changes_loop",)
    target_panels = ("erpkeeper.changes.panel:target_panel",)
    navigation = (
        NavItem.for_model(
            Section.CHANGES,
            _("Change requests"),
            "published_with_changes",
            "changes.changerequest",
            10,
        ),
        NavItem(
            Section.CHANGES,
            _("Change calendar"),
            "calendar_month",
            "changes-calendar",
            "changes.view_changerequest",
            11,
        ),
        NavItem(
            Section.CHANGES,
            _("Change metrics"),
            "monitoring",
            "changes-metrics",
            "changes.view_changerequest",
            12,
        ),
        NavItem.for_model(
            Section.CHANGES, _("Change templates"), "content_copy", "changes.changetemplate", 13
        ),
        NavItem.for_model(
            Section.CHANGES, _("Blackout windows"), "block", "changes.blackoutwindow", 14
        ),
        NavItem.for_model(
            Section.CHANGES, _("ERP versions"), "history", "changes.versionsnapshot", 15
        ),
        NavItem.for_model(
            Section.CHANGES, _("Release notes"), "description", "changes.releasenote", 16
        ),
        NavItem.for_model(
            Section.CHANGES, _("Pipeline runs"), "deployed_code", "changes.pipelinerun", 17
        ),
        NavItem.for_model(Section.CHANGES, _("Repositories"), "source", "changes.repository", 18),
    )
    # Ops engineers and DBAs create and implement changes; managers sit on the advisory board
    # (approve) and keep templates and blackout windows; helpdesk agents see what changes when
    # (users call about it); the other roles read through the platform's "view all";
    # administrators do everything (CI secrets are theirs only: the platform denies *secret*).
    role_rules = {
        Role.OPS_ENGINEER: (Rule(app="changes", action=("add", "change"), model=WORKED),),
        Role.DBA: (Rule(app="changes", action=("add", "change"), model=WORKED),),
        Role.MANAGER: (
            Rule(app="changes", action="approve", model="changerequest"),
            Rule(app="changes", action=("add", "change", "delete"), model=MANAGED),
        ),
        Role.HELPDESK_AGENT: (Rule(app="changes", action="view"),),
    }

    def ready(self):
        from erpkeeper.changes import receivers

        receivers.connect()
