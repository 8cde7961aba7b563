from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, RoleRules, Rule

# The conversation: tickets, their messages and attachments.
CONVERSATION = ("ticket", "ticketmessage", "attachment")
# What carries end users' personal data (names, addresses, what they wrote and sent) or leads
# to it: read only by who works the desk (agents, ops engineers), oversees it (managers) or
# runs the platform (administrators); taken back from the other roles' "view all". (Help
# searches hold what portal users typed.)
PERSONAL = (*CONVERSATION, "problem", "savedfilter", "helpsearch")
NOT_FOR_THEM = RoleRules(grant=(), deny=(Rule(app="servicedesk", model=PERSONAL),))
# The desk's reports (servicedesk.view_reports): agents, managers and administrators.
REPORTS = Rule(app="servicedesk", action="view_reports")


class ServicedeskConfig(ErpKeeperAppConfig):
    name = "erpkeeper.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")
    cli_modules = ("erpkeeper.servicedesk.cli", "erpkeeper.servicedesk.mailbox_cli")
    api_module = "erpkeeper.servicedesk.api"
    navigation = (
        NavItem.for_model(Section.SERVICE, _("Tickets"), "support_agent", "servicedesk.ticket", 10),
        NavItem.for_model(
            Section.SERVICE, _("Problems"), "troubleshoot", "servicedesk.problem", 10
        ),
        NavItem.for_model(Section.SERVICE, _("Queues"), "groups", "servicedesk.queue", 11),
        NavItem.for_model(Section.SERVICE, _("SLA policies"), "timer", "servicedesk.slapolicy", 12),
        NavItem.for_model(
            Section.SERVICE, _("Calendar days"), "event", "servicedesk.calendarday", 12
        ),
        NavItem.for_model(
            Section.SERVICE, _("Canned replies"), "quickreply", "servicedesk.cannedreply", 13
        ),
        NavItem.for_model(
            Section.SERVICE, _("Announcements"), "campaign", "servicedesk.announcement", 14
        ),
        NavItem.for_model(Section.SERVICE, _("Mailboxes"), "inbox", "servicedesk.mailbox", 15),
        NavItem(
            Section.SERVICE,
            pgettext_lazy("service desk", "Reports"),
            "bar_chart",
            "admin:servicedesk_ticket_reports",
            "servicedesk.view_reports",
            16,
        ),
    )
    dashboard = ("erpkeeper.servicedesk.dashboard:contribute",)
    role_rules = {
        # Agents answer tickets, keep the prepared answers and the problem records (the
        # targets app lets them see the targets tickets are about). Queues and SLA targets are
        # set up by administrators (managers view everything and change nothing, as on every
        # other app).
        Role.HELPDESK_AGENT: (
            Rule(app="servicedesk", action="view"),
            Rule(
                app="servicedesk",
                action=("add", "change"),
                model=(*CONVERSATION, "cannedreply", "problem"),
            ),
            # What the portal's users read: agents post and take down announcements.
            Rule(app="servicedesk", action=("add", "change", "delete"), model="announcement"),
            Rule(app="servicedesk", action=("add", "change", "delete"), model="savedfilter"),
            REPORTS,
        ),
        # Managers follow the desk through its reports (administrators may do everything).
        Role.MANAGER: (REPORTS,),
        # Ops engineers work the incidents that alerts open and the problems behind them.
        Role.OPS_ENGINEER: (
            Rule(app="servicedesk", action=("add", "change"), model=(*CONVERSATION, "problem")),
            Rule(app="servicedesk", action=("add", "change", "delete"), model="savedfilter"),
        ),
        # End users' tickets are not for every reader of the platform (see docs/servicedesk.md,
        # "Who reads tickets").
        Role.DBA: NOT_FOR_THEM,
        Role.SECURITY_AUDITOR: NOT_FOR_THEM,
        Role.VIEWER: NOT_FOR_THEM,
    }
    loops = ("erpkeeper.servicedesk.runner:start_servicedesk_loop",)

    def ready(self):
        from erpkeeper.servicedesk.defaults import create_defaults_after_migrate

        post_migrate.connect(create_defaults_after_migrate, sender=self)
