from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

JOBS_RUN = Rule(app="core", action=("add", "change"), model="job")  # change = cancel / retry


class CoreConfig(ErpKeeperAppConfig):
    name = "erpkeeper.core"
    label = "core"
    # The console's breadcrumb and app list: jobs, notifications and the audit trail are
    # records of what the platform did, which "Core" did not tell anyone.
    verbose_name = _("Operations records")
    cli_modules = ("erpkeeper.core.cli",)
    api_module = "erpkeeper.core.api"
    evidence = ("erpkeeper.core.evidence:COLLECTORS",)
    navigation = (
        NavItem(
            Section.OPERATE,
            _("Notifications"),
            "notifications",
            "admin:core_outboxmessage_changelist",
            "core.view_outboxmessage",
            order=60,
        ),
        NavItem(
            Section.OPERATE,
            _("Jobs"),
            "work_history",
            "admin:core_job_changelist",
            "core.view_job",
            order=90,
        ),
        NavItem(
            Section.ACCESS,
            _("Audit trail"),
            "policy",
            "admin:core_auditentry_changelist",
            "core.view_auditentry",
        ),
    )
    dashboard = ("erpkeeper.core.dashboard:contribute",)
    role_rules = {
        Role.OPS_ENGINEER: (
            Rule(app="core", action=("add", "change", "delete"), model="job"),
            Rule(app="core", action="change", model="outboxmessage"),  # resolve notifications
        ),
        Role.DBA: (JOBS_RUN,),
        # View, plus custom actions such as verifying the chain; accounts denies editing it.
        Role.SECURITY_AUDITOR: (Rule(app="core", model="auditentry"),),
        Role.HELPDESK_AGENT: (Rule(app="core", action="view", model="job"),),
    }

    def ready(self):
        from erpkeeper.core import audit, checks  # noqa: F401  (registers signal handlers and checks)

        audit.connect_signals()
