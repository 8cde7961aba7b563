"""The console's shell: django-unfold settings (sidebar, dashboard, languages)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _link(title, icon, url_name, permission=None):
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name)}
    if permission:
        item["permission"] = permission
    return item


UNFOLD = {
    "SITE_TITLE": _("ERPKeeper"),
    "SITE_HEADER": _("ERPKeeper"),
    "SITE_SUBHEADER": _("ERP operations"),
    "SITE_SYMBOL": "health_and_safety",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "erpkeeper.core.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("Operations"),
                "items": [
                    _link(_("Dashboard"), "dashboard", "admin:index"),
                    _link(
                        _("Targets"),
                        "dns",
                        "admin:targets_target_changelist",
                        "erpkeeper.console.can_view_targets",
                    ),
                    _link(
                        _("Jobs"),
                        "work_history",
                        "admin:core_job_changelist",
                        "erpkeeper.console.can_view_jobs",
                    ),
                    _link(
                        _("Notifications"),
                        "notifications",
                        "admin:core_outboxmessage_changelist",
                        "erpkeeper.console.can_view_notifications",
                    ),
                    _link(
                        _("Notification channels"),
                        "campaign",
                        "admin:notifications_channel_changelist",
                        "erpkeeper.console.can_view_notification_channels",
                    ),
                    _link(
                        _("Deliveries"),
                        "outgoing_mail",
                        "admin:notifications_delivery_changelist",
                        "erpkeeper.console.can_view_deliveries",
                    ),
                ],
            },
            {
                "title": _("Backups"),
                "items": [
                    _link(
                        _("Backups"),
                        "backup",
                        "admin:backups_backup_changelist",
                        "erpkeeper.console.can_view_backups",
                    ),
                    _link(
                        _("Recovery drills"),
                        "model_training",
                        "admin:backups_drill_changelist",
                        "erpkeeper.console.can_view_drills",
                    ),
                    _link(
                        _("Restores"),
                        "settings_backup_restore",
                        "admin:backups_restore_changelist",
                        "erpkeeper.console.can_view_restores",
                    ),
                    _link(
                        _("Backup policies"),
                        "tune",
                        "admin:backups_backuppolicy_changelist",
                        "erpkeeper.console.can_view_backup_policies",
                    ),
                    _link(
                        _("Destinations"),
                        "cloud_upload",
                        "admin:backups_destination_changelist",
                        "erpkeeper.console.can_view_destinations",
                    ),
                ],
            },
            {
                "title": _("Monitoring"),
                "items": [
                    _link(
                        _("Hosts"),
                        "computer",
                        "admin:monitoring_host_changelist",
                        "erpkeeper.console.can_view_hosts",
                    ),
                    _link(
                        _("Alerts"),
                        "notification_important",
                        "admin:alerts_alert_changelist",
                        "erpkeeper.console.can_view_alerts",
                    ),
                    _link(
                        _("Alert rules"),
                        "rule",
                        "admin:alerts_alertrule_changelist",
                        "erpkeeper.console.can_view_alert_rules",
                    ),
                    _link(
                        _("Silences"),
                        "notifications_off",
                        "admin:alerts_silence_changelist",
                        "erpkeeper.console.can_view_silences",
                    ),
                ],
            },
            {
                "title": _("Governance"),
                "items": [
                    _link(
                        _("Audit trail"),
                        "policy",
                        "admin:core_auditentry_changelist",
                        "erpkeeper.console.can_view_audit",
                    ),
                ],
            },
            {
                "title": _("Administration"),
                "items": [
                    _link(
                        _("Users"),
                        "person",
                        "admin:auth_user_changelist",
                        "erpkeeper.console.can_view_users",
                    ),
                    _link(
                        _("Roles"),
                        "group",
                        "admin:auth_group_changelist",
                        "erpkeeper.console.can_view_groups",
                    ),
                    _link(
                        _("API tokens"),
                        "key",
                        "admin:accounts_apitoken_changelist",
                        "erpkeeper.console.can_view_tokens",
                    ),
                    _link(_("API documentation"), "api", "swagger-ui"),
                ],
            },
        ],
    },
}


def can_view_targets(request):
    return request.user.has_perm("targets.view_target")


def can_view_jobs(request):
    return request.user.has_perm("core.view_job")


def can_view_notifications(request):
    return request.user.has_perm("core.view_outboxmessage")


def can_view_notification_channels(request):
    return request.user.has_perm("notifications.view_channel")


def can_view_deliveries(request):
    return request.user.has_perm("notifications.view_delivery")


def can_view_backups(request):
    return request.user.has_perm("backups.view_backup")


def can_view_drills(request):
    return request.user.has_perm("backups.view_drill")


def can_view_restores(request):
    return request.user.has_perm("backups.view_restore")


def can_view_backup_policies(request):
    return request.user.has_perm("backups.view_backuppolicy")


def can_view_destinations(request):
    return request.user.has_perm("backups.view_destination")


def can_view_hosts(request):
    return request.user.has_perm("monitoring.view_host")


def can_view_alerts(request):
    return request.user.has_perm("alerts.view_alert")


def can_view_alert_rules(request):
    return request.user.has_perm("alerts.view_alertrule")


def can_view_silences(request):
    return request.user.has_perm("alerts.view_silence")


def can_view_audit(request):
    return request.user.has_perm("core.view_auditentry")


def can_view_users(request):
    return request.user.has_perm("auth.view_user")


def can_view_groups(request):
    return request.user.has_perm("auth.view_group")


def can_view_tokens(request):
    return request.user.has_perm("accounts.view_apitoken")
