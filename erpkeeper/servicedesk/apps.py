from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

# The conversation: tickets, their messages and attachments.
CONVERSATION = ("ticket", "ticketmessage", "attachment")
# The desk's reports (servicedesk.view_reports): agents, managers and administrators.
REPORTS = Rule(app="servicedesk", action="view_reports")


class ServicedeskConfig(ErpKeeperAppConfig):
    name = "erpkeeper.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")
    cli_modules = ("erpkeeper.servicedesk.cli",)
    api_module = "erpkeeper.servicedesk.api"
    navigation = (
        NavItem.for_model(Section.SERVICE, _("Tickets"), "support_agent", "servicedesk.ticket", 10),
        NavItem.for_model(Section.SERVICE, _("Queues"), "groups", "servicedesk.queue", 11),
        NavItem.for_model(Section.SERVICE, _("SLA policies"), "timer", "servicedesk.slapolicy", 12),
        NavItem.for_model(
            Section.SERVICE, _("Canned replies"), "quickreply", "servicedesk.cannedreply", 13
        ),
        NavItem.for_model(
            Section.SERVICE, _("Announcements"), "campaign", "servicedesk.announcement", 14
        ),
        NavItem(
            Section.SERVICE,
            pgettext_lazy("service desk", "Reports"),
            "bar_chart",
            "admin:servicedesk_ticket_reports",
            "servicedesk.view_reports",
            15,
        ),
    )
    dashboard = ("erpkeeper.servicedesk.dashboard:contribute",)
    role_rules = {
        # Agents answer tickets and keep the prepared answers (the targets app lets them see
        # the targets tickets are about). Queues and SLA targets are set up by administrators
        # (managers view everything and change nothing, as on every other app).
        Role.HELPDESK_AGENT: (
            Rule(app="servicedesk", action="view"),
            Rule(app="servicedesk", action=("add", "change"), model=(*CONVERSATION, "cannedreply")),
            # What the portal's users read: agents post and take down announcements.
            Rule(app="servicedesk", action=("add", "change", "delete"), model="announcement"),
            REPORTS,
        ),
        # Managers follow the desk through its reports (administrators may do everything).
        Role.MANAGER: (REPORTS,),
        # Ops engineers work the incidents that alerts open.
        Role.OPS_ENGINEER: (Rule(app="servicedesk", action=("add", "change"), model=CONVERSATION),),
    }
    loops = ("erpkeeper.servicedesk.runner:start_servicedesk_loop",)

    def ready(self):
        from erpkeeper.servicedesk.defaults import create_defaults_after_migrate

        post_migrate.connect(create_defaults_after_migrate, sender=self)
