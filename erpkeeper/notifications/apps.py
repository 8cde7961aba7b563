from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class NotificationsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    cli_modules = ("erpkeeper.notifications.cli",)
    api_module = "erpkeeper.notifications.api"
    navigation = (
        NavItem(
            Section.OPERATE,
            _("Notification channels"),
            "campaign",
            "admin:notifications_channel_changelist",
            "notifications.view_channel",
            order=61,
        ),
        NavItem(
            Section.OPERATE,
            _("Deliveries"),
            "outgoing_mail",
            "admin:notifications_delivery_changelist",
            "notifications.view_delivery",
            order=62,
        ),
    )
    role_rules = {Role.OPS_ENGINEER: (Rule(app="notifications"),)}
    loops = ("erpkeeper.notifications.loop:start_sender",)
    histories = ("erpkeeper.notifications.housekeeping:DELIVERIES",)

    def ready(self):
        from erpkeeper.core import mail
        from erpkeeper.notifications.channels.email import send_to_person

        # Mail to one person (a ticket's requester) goes through an e-mail channel's server.
        mail.register_sender(send_to_person)
