"""Every API route x method x persona answers as the role rules say.

The routes come from the URL conf, so a new endpoint that is not in ``RULES`` below fails
``test_every_api_route_has_a_rule``: whoever adds an endpoint writes down who may call it.

A persona without the permission gets 403 before anything else happens. One with it gets the
answer an empty request deserves: 200 for a list, 404 for an object that does not exist
(``MISSING``), 400 for a create without a body, unless ``ALLOWED_STATUS`` says otherwise.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver

from tests.fixtures.personas import PERSONAS

MISSING = 987654  # no object has this id
SIGNED_IN = ""  # any signed-in user
HOST_TOKEN = "host-token"  # only a monitoring agent's host token, never a user's
CI_SECRET = "ci-secret"  # only a CI source's own secret (signature or token), never a user's

# (url name, method) -> the permission a caller needs.
RULES = {
    ("api-root", "get"): SIGNED_IN,
    ("api-me", "get"): SIGNED_IN,
    ("api-me", "patch"): SIGNED_IN,
    ("api-me-password", "post"): SIGNED_IN,
    ("api-me-sign-ins", "get"): SIGNED_IN,
    ("sign-in-list", "get"): "accounts.view_loginrecord",
    ("sign-in-detail", "get"): "accounts.view_loginrecord",
    ("job-list", "get"): "core.view_job",
    ("job-detail", "get"): "core.view_job",
    ("job-cancel", "post"): "core.change_job",
    ("job-retry", "post"): "core.change_job",
    ("job-housekeeping", "post"): "core.delete_job",
    ("audit-list", "get"): "core.view_auditentry",
    ("audit-detail", "get"): "core.view_auditentry",
    ("audit-export", "get"): "core.view_auditentry",
    ("audit-verify", "get"): "core.view_auditentry",
    # Teams, RACI, on-call and announcements (docs/teams.md): managers change them, everyone
    # views them, everyone on call may add overrides (the service: for themselves) and notes.
    ("team-list", "get"): "accounts.view_team",
    ("team-list", "post"): "accounts.add_team",
    ("team-detail", "get"): "accounts.view_team",
    ("team-detail", "put"): "accounts.change_team",
    ("team-detail", "patch"): "accounts.change_team",
    ("team-detail", "delete"): "accounts.delete_team",
    ("team-membership-list", "get"): "accounts.view_teammembership",
    ("team-membership-list", "post"): "accounts.add_teammembership",
    ("team-membership-detail", "get"): "accounts.view_teammembership",
    ("team-membership-detail", "delete"): "accounts.delete_teammembership",
    ("raci-list", "get"): "accounts.view_raciassignment",
    ("raci-set", "post"): "accounts.change_raciassignment",
    ("rota-list", "get"): "accounts.view_rota",
    ("rota-list", "post"): "accounts.add_rota",
    ("rota-detail", "get"): "accounts.view_rota",
    ("rota-detail", "put"): "accounts.change_rota",
    ("rota-detail", "patch"): "accounts.change_rota",
    ("rota-detail", "delete"): "accounts.delete_rota",
    ("rota-shifts", "get"): "accounts.view_rota",
    ("rota-feed", "post"): "accounts.change_rota",
    ("rota-override-list", "get"): "accounts.view_rotaoverride",
    ("rota-override-list", "post"): "accounts.add_rotaoverride",
    ("rota-override-detail", "get"): "accounts.view_rotaoverride",
    ("rota-override-detail", "delete"): "accounts.add_rotaoverride",
    ("handover-note-list", "get"): "accounts.view_handovernote",
    ("handover-note-list", "post"): "accounts.add_handovernote",
    ("handover-note-detail", "get"): "accounts.view_handovernote",
    ("api-on-call", "get"): "accounts.view_rota",
    ("announcement-list", "get"): "accounts.view_announcement",
    ("announcement-list", "post"): "accounts.add_announcement",
    ("announcement-detail", "get"): "accounts.view_announcement",
    ("announcement-detail", "put"): "accounts.change_announcement",
    ("announcement-detail", "patch"): "accounts.change_announcement",
    ("announcement-detail", "delete"): "accounts.delete_announcement",
    ("apitoken-list", "get"): "accounts.view_apitoken",
    ("apitoken-list", "post"): "accounts.add_apitoken",
    ("apitoken-detail", "get"): "accounts.view_apitoken",
    ("apitoken-detail", "delete"): "accounts.change_apitoken",
    ("apitoken-revoke", "post"): "accounts.change_apitoken",
    ("target-list", "get"): "targets.view_target",
    ("target-list", "post"): "targets.add_target",
    ("target-kinds", "get"): "targets.view_target",
    ("target-detail", "get"): "targets.view_target",
    ("target-detail", "put"): "targets.change_target",
    ("target-detail", "patch"): "targets.change_target",
    ("target-detail", "delete"): "targets.delete_target",
    ("target-check", "post"): "targets.view_target",
    ("backup-destination-list", "get"): "backups.view_destination",
    ("backup-destination-list", "post"): "backups.add_destination",
    ("backup-destination-detail", "get"): "backups.view_destination",
    ("backup-destination-detail", "put"): "backups.change_destination",
    ("backup-destination-detail", "patch"): "backups.change_destination",
    ("backup-destination-detail", "delete"): "backups.delete_destination",
    ("backup-destination-check", "post"): "backups.change_destination",
    ("backup-policy-list", "get"): "backups.view_backuppolicy",
    ("backup-policy-detail", "get"): "backups.view_backuppolicy",
    ("backup-policy-detail", "put"): "backups.change_backuppolicy",
    ("backup-policy-detail", "patch"): "backups.change_backuppolicy",
    ("backup-policy-runbook", "get"): "backups.view_backuppolicy",
    ("backup-list", "get"): "backups.view_backup",
    ("backup-list", "post"): "backups.add_backup",
    ("backup-detail", "get"): "backups.view_backup",
    ("backup-restore", "post"): "backups.restore_backup",
    ("backup-verify", "post"): "backups.change_backup",
    ("restore-list", "get"): "backups.view_restore",
    ("restore-detail", "get"): "backups.view_restore",
    ("drill-list", "get"): "backups.view_drill",
    ("drill-list", "post"): "backups.add_drill",
    ("drill-detail", "get"): "backups.view_drill",
    ("drill-report", "get"): "backups.view_drill",
    ("performance-run-list", "get"): "performance.view_checkrun",
    ("performance-run-list", "post"): "performance.add_checkrun",
    ("performance-run-detail", "get"): "performance.view_checkrun",
    ("performance-finding-list", "get"): "performance.view_finding",
    ("performance-finding-detail", "get"): "performance.view_finding",
    ("performance-finding-accept", "post"): "performance.change_finding",
    ("performance-finding-reopen", "post"): "performance.change_finding",
    ("performance-query-list", "get"): "performance.view_querystat",
    ("performance-query-detail", "get"): "performance.view_querystat",
    ("performance-suggestion-list", "get"): "performance.view_indexsuggestion",
    ("performance-suggestion-list", "post"): "performance.add_indexsuggestion",
    ("performance-suggestion-detail", "get"): "performance.view_indexsuggestion",
    ("performance-suggestion-prove", "post"): "performance.change_indexsuggestion",
    ("performance-proof-list", "get"): "performance.view_indexproof",
    ("performance-proof-detail", "get"): "performance.view_indexproof",
    ("performance-capacity-list", "get"): "performance.view_finding",
    ("performance-capacity-detail", "get"): "performance.view_finding",
    ("performance-codefolder-list", "get"): "performance.view_codefolder",
    ("performance-codefolder-list", "post"): "performance.add_codefolder",
    ("performance-codefolder-detail", "get"): "performance.view_codefolder",
    ("performance-codefolder-detail", "delete"): "performance.change_codefolder",
    ("performance-codereview-list", "get"): "performance.view_codereview",
    ("performance-codereview-list", "post"): "performance.add_codereview",
    ("performance-codereview-detail", "get"): "performance.view_codereview",
    ("privacy-scan-list", "get"): "governance.view_privacyscan",
    ("privacy-scan-list", "post"): "governance.add_privacyscan",
    ("privacy-scan-detail", "get"): "governance.view_privacyscan",
    ("privacy-scan-findings", "get"): "governance.view_privacyscan",
    ("privacy-finding-list", "get"): "governance.view_columnfinding",
    ("privacy-finding-detail", "get"): "governance.view_columnfinding",
    ("privacy-retention-rule-list", "get"): "governance.view_retentionrule",
    ("privacy-retention-rule-list", "post"): "governance.add_retentionrule",
    ("privacy-retention-rule-detail", "get"): "governance.view_retentionrule",
    ("privacy-retention-rule-detail", "put"): "governance.change_retentionrule",
    ("privacy-retention-rule-detail", "patch"): "governance.change_retentionrule",
    ("privacy-retention-rule-detail", "delete"): "governance.delete_retentionrule",
    ("privacy-map", "get"): "governance.view_privacyscan",
    ("notification-channel-list", "get"): "notifications.view_channel",
    ("notification-channel-list", "post"): "notifications.add_channel",
    ("notification-channel-detail", "get"): "notifications.view_channel",
    ("notification-channel-detail", "put"): "notifications.change_channel",
    ("notification-channel-detail", "patch"): "notifications.change_channel",
    ("notification-channel-detail", "delete"): "notifications.delete_channel",
    ("notification-channel-disable", "post"): "notifications.change_channel",
    ("notification-channel-enable", "post"): "notifications.change_channel",
    ("notification-channel-test", "post"): "notifications.change_channel",
    ("notification-delivery-list", "get"): "notifications.view_delivery",
    ("notification-delivery-detail", "get"): "notifications.view_delivery",
    ("host-list", "get"): "monitoring.view_host",
    ("host-list", "post"): "monitoring.add_host",
    ("host-detail", "get"): "monitoring.view_host",
    ("host-detail", "delete"): "monitoring.delete_host",
    ("host-rotate-token", "post"): "monitoring.change_host",
    ("metric-series-list", "get"): "monitoring.view_series",
    ("metric-series-detail", "get"): "monitoring.view_series",
    ("metric-query-list", "get"): "monitoring.view_series",
    ("metric-ingest-list", "post"): HOST_TOKEN,
    ("alert-rule-list", "get"): "alerts.view_alertrule",
    ("alert-rule-list", "post"): "alerts.add_alertrule",
    ("alert-rule-detail", "get"): "alerts.view_alertrule",
    ("alert-rule-detail", "put"): "alerts.change_alertrule",
    ("alert-rule-detail", "patch"): "alerts.change_alertrule",
    ("alert-rule-detail", "delete"): "alerts.delete_alertrule",
    ("alert-list", "get"): "alerts.view_alert",
    ("alert-detail", "get"): "alerts.view_alert",
    ("alert-acknowledge", "post"): "alerts.change_alert",
    ("alert-resolve", "post"): "alerts.change_alert",
    ("silence-list", "get"): "alerts.view_silence",
    ("silence-list", "post"): "alerts.add_silence",
    ("silence-detail", "get"): "alerts.view_silence",
    ("silence-detail", "put"): "alerts.change_silence",
    ("silence-detail", "patch"): "alerts.change_silence",
    ("silence-detail", "delete"): "alerts.delete_silence",
    ("silence-expire", "post"): "alerts.change_silence",
    ("ticket-list", "get"): "servicedesk.view_ticket",
    ("ticket-list", "post"): "servicedesk.add_ticket",
    ("ticket-detail", "get"): "servicedesk.view_ticket",
    ("ticket-reply", "post"): "servicedesk.change_ticket",
    ("ticket-assign", "post"): "servicedesk.change_ticket",
    ("ticket-status", "post"): "servicedesk.change_ticket",
    ("mailbox-list", "get"): "servicedesk.view_mailbox",
    ("mailbox-list", "post"): "servicedesk.add_mailbox",
    ("mailbox-detail", "get"): "servicedesk.view_mailbox",
    ("mailbox-detail", "put"): "servicedesk.change_mailbox",
    ("mailbox-detail", "patch"): "servicedesk.change_mailbox",
    ("mailbox-detail", "delete"): "servicedesk.delete_mailbox",
    ("calendar-day-list", "get"): "servicedesk.view_calendarday",
    ("calendar-day-list", "post"): "servicedesk.add_calendarday",
    ("calendar-day-detail", "get"): "servicedesk.view_calendarday",
    ("calendar-day-detail", "delete"): "servicedesk.delete_calendarday",
    ("mailbox-poll", "post"): "servicedesk.change_mailbox",
    ("mailbox-test", "post"): "servicedesk.change_mailbox",
    ("problem-list", "get"): "servicedesk.view_problem",
    ("problem-list", "post"): "servicedesk.add_problem",
    ("problem-detail", "get"): "servicedesk.view_problem",
    ("problem-link", "post"): "servicedesk.change_problem",
    ("problem-unlink", "post"): "servicedesk.change_problem",
    ("problem-diagnosis", "post"): "servicedesk.change_problem",
    ("problem-resolve", "post"): "servicedesk.change_problem",
    ("problem-close", "post"): "servicedesk.change_problem",
    ("servicedesk-reports", "get"): "servicedesk.view_reports",
    ("compliance-framework-list", "get"): "governance.view_framework",
    ("compliance-framework-detail", "get"): "governance.view_framework",
    ("compliance-framework-load", "post"): "governance.add_framework",
    ("compliance-requirement-list", "get"): "governance.view_requirement",
    ("compliance-requirement-detail", "get"): "governance.view_requirement",
    ("compliance-control-list", "get"): "governance.view_control",
    ("compliance-control-list", "post"): "governance.add_control",
    ("compliance-control-detail", "get"): "governance.view_control",
    ("compliance-control-detail", "put"): "governance.change_control",
    ("compliance-control-detail", "patch"): "governance.change_control",
    ("compliance-control-evidence", "post"): "governance.change_control",
    ("compliance-result-list", "get"): "governance.view_controlresult",
    ("compliance-result-detail", "get"): "governance.view_controlresult",
    ("compliance-assessment-list", "get"): "governance.view_assessment",
    ("compliance-assessment-detail", "get"): "governance.view_assessment",
    ("compliance-assessment-run", "post"): "governance.add_assessment",
    ("compliance-exception-list", "get"): "governance.view_controlexception",
    ("compliance-exception-list", "post"): "governance.add_controlexception",
    ("compliance-exception-detail", "get"): "governance.view_controlexception",
    ("article-list", "get"): "knowledge.view_article",
    ("article-list", "post"): "knowledge.add_article",
    ("article-detail", "get"): "knowledge.view_article",
    ("article-detail", "put"): "knowledge.change_article",
    ("article-detail", "patch"): "knowledge.change_article",
    ("article-versions", "get"): "knowledge.view_article",
    ("article-diff", "get"): "knowledge.view_article",
    ("article-vote", "post"): "knowledge.view_article",
    ("article-files", "get"): "knowledge.view_article",
    ("article-upload", "post"): "knowledge.change_article",
    ("article-from-ticket", "post"): "knowledge.add_article",
    ("article-category-list", "get"): "knowledge.view_category",
    ("article-category-list", "post"): "knowledge.add_category",
    ("article-category-detail", "get"): "knowledge.view_category",
    ("article-category-detail", "put"): "knowledge.change_category",
    ("article-category-detail", "patch"): "knowledge.change_category",
    ("article-category-manual", "get"): "knowledge.view_category",
    ("course-list", "get"): "knowledge.view_course",
    ("course-list", "post"): "knowledge.add_course",
    ("course-detail", "get"): "knowledge.view_course",
    ("course-detail", "put"): "knowledge.change_course",
    ("course-detail", "patch"): "knowledge.change_course",
    ("course-assignment-list", "get"): "knowledge.view_courseassignment",
    ("course-assignment-list", "post"): "knowledge.add_courseassignment",
    ("course-assignment-detail", "get"): "knowledge.view_courseassignment",
    ("course-assignment-detail", "delete"): "knowledge.delete_courseassignment",
    ("course-attempt-list", "get"): "knowledge.view_attempt",
    ("course-attempt-detail", "get"): "knowledge.view_attempt",
    ("enrolment-list", "get"): "knowledge.view_enrolment",
    ("enrolment-detail", "get"): "knowledge.view_enrolment",
    ("enrolment-certificate", "get"): "knowledge.view_enrolment",
    ("enrolment-verify", "get"): "knowledge.view_enrolment",
    # Any signed-in user takes their own courses: the queryset keeps to their enrolments.
    ("my-course-list", "get"): SIGNED_IN,
    ("my-course-detail", "get"): SIGNED_IN,
    ("my-course-read", "post"): SIGNED_IN,
    ("my-course-attempts", "post"): SIGNED_IN,
    ("my-course-certificate", "get"): SIGNED_IN,
    ("training-session-list", "get"): "knowledge.view_trainingsession",
    ("training-session-list", "post"): "knowledge.add_trainingsession",
    ("training-session-detail", "get"): "knowledge.view_trainingsession",
    ("training-session-detail", "put"): "knowledge.change_trainingsession",
    ("training-session-detail", "patch"): "knowledge.change_trainingsession",
    ("training-session-attendance", "post"): "knowledge.change_sessionattendance",
    ("training-session-materials", "post"): "knowledge.add_sessionmaterial",
    ("training-session-ics", "get"): "knowledge.view_trainingsession",
    ("knowledge-reports", "get"): "knowledge.view_article",
    ("security-snapshot-list", "get"): "security.view_accesssnapshot",
    ("security-snapshot-list", "post"): "security.add_accesssnapshot",
    ("security-snapshot-detail", "get"): "security.view_accesssnapshot",
    ("security-snapshot-diff", "get"): "security.view_accesssnapshot",
    ("security-snapshot-conflicts", "get"): "security.view_accesssnapshot",
    ("security-snapshot-simulate", "post"): "security.view_accesssnapshot",
    ("security-ruleset-list", "get"): "security.view_ruleset",
    ("security-ruleset-list", "post"): "security.add_ruleset",
    ("security-ruleset-detail", "get"): "security.view_ruleset",
    ("security-ruleset-detail", "put"): "security.change_ruleset",
    ("security-ruleset-detail", "patch"): "security.change_ruleset",
    ("security-ruleset-detail", "delete"): "security.delete_ruleset",
    ("security-ruleset-validate", "post"): "security.view_ruleset",
    ("security-mitigation-list", "get"): "security.view_mitigatingcontrol",
    ("security-mitigation-list", "post"): "security.add_mitigatingcontrol",
    ("security-mitigation-detail", "get"): "security.view_mitigatingcontrol",
    ("security-mitigation-detail", "delete"): "security.delete_mitigatingcontrol",
    ("security-exception-list", "get"): "security.view_acceptedexception",
    ("security-exception-list", "post"): "security.add_acceptedexception",
    ("security-exception-detail", "get"): "security.view_acceptedexception",
    ("security-exception-detail", "delete"): "security.delete_acceptedexception",
    ("security-finding-list", "get"): "security.view_finding",
    ("security-finding-detail", "get"): "security.view_finding",
    ("security-finding-accept", "post"): "security.change_finding",
    ("security-check-run-list", "get"): "security.view_securitycheckrun",
    ("security-check-run-list", "post"): "security.add_securitycheckrun",
    ("security-check-run-detail", "get"): "security.view_securitycheckrun",
    ("security-campaign-list", "get"): "security.view_campaign",
    ("security-campaign-list", "post"): "security.add_campaign",
    ("security-campaign-detail", "get"): "security.view_campaign",
    ("security-campaign-detail", "put"): "security.change_campaign",
    ("security-campaign-detail", "patch"): "security.change_campaign",
    ("security-campaign-detail", "delete"): "security.delete_campaign",
    ("security-campaign-launch", "post"): "security.change_campaign",
    ("security-campaign-close", "post"): "security.change_campaign",
    ("security-campaign-export", "get"): "security.view_campaign",
    # Assets: ops engineers and administrators change, the others read; a licence key is set
    # by administrators only; the agent's inventory report takes its host token.
    ("asset-inventory-list", "post"): HOST_TOKEN,
    ("asset-list", "get"): "assets.view_asset",
    ("asset-list", "post"): "assets.add_asset",
    ("asset-detail", "get"): "assets.view_asset",
    ("asset-detail", "put"): "assets.change_asset",
    ("asset-detail", "patch"): "assets.change_asset",
    ("asset-detail", "delete"): "assets.delete_asset",
    ("asset-health", "get"): "assets.view_asset",
    ("asset-disks", "get"): "assets.view_asset",
    ("asset-import", "post"): "assets.add_asset",
    ("asset-export", "get"): "assets.view_asset",
    ("asset-site-list", "get"): "assets.view_site",
    ("asset-site-list", "post"): "assets.add_site",
    ("asset-site-detail", "get"): "assets.view_site",
    ("asset-site-detail", "put"): "assets.change_site",
    ("asset-site-detail", "patch"): "assets.change_site",
    ("asset-site-detail", "delete"): "assets.delete_site",
    ("asset-rack-list", "get"): "assets.view_rack",
    ("asset-rack-list", "post"): "assets.add_rack",
    ("asset-rack-detail", "get"): "assets.view_rack",
    ("asset-rack-detail", "put"): "assets.change_rack",
    ("asset-rack-detail", "patch"): "assets.change_rack",
    ("asset-rack-detail", "delete"): "assets.delete_rack",
    ("asset-licence-list", "get"): "assets.view_softwarelicence",
    ("asset-licence-list", "post"): "assets.add_softwarelicence",
    ("asset-licence-detail", "get"): "assets.view_softwarelicence",
    ("asset-licence-detail", "put"): "assets.change_softwarelicence",
    ("asset-licence-detail", "patch"): "assets.change_softwarelicence",
    ("asset-licence-detail", "delete"): "assets.delete_softwarelicence",
    ("asset-licence-set-key", "post"): "assets.set_key_softwarelicence",
    ("asset-inspection-template-list", "get"): "assets.view_inspectiontemplate",
    ("asset-inspection-template-list", "post"): "assets.add_inspectiontemplate",
    ("asset-inspection-template-detail", "get"): "assets.view_inspectiontemplate",
    ("asset-inspection-template-detail", "put"): "assets.change_inspectiontemplate",
    ("asset-inspection-template-detail", "patch"): "assets.change_inspectiontemplate",
    ("asset-inspection-template-detail", "delete"): "assets.delete_inspectiontemplate",
    ("asset-inspection-list", "get"): "assets.view_inspection",
    ("asset-inspection-list", "post"): "assets.add_inspection",
    ("asset-inspection-detail", "get"): "assets.view_inspection",
    ("asset-inspection-record", "post"): "assets.change_inspection",
    ("asset-maintenance-list", "get"): "assets.view_maintenanceentry",
    ("asset-maintenance-list", "post"): "assets.add_maintenanceentry",
    ("asset-maintenance-detail", "get"): "assets.view_maintenanceentry",
    ("asset-maintenance-detail", "put"): "assets.change_maintenanceentry",
    ("asset-maintenance-detail", "patch"): "assets.change_maintenanceentry",
    ("asset-maintenance-detail", "delete"): "assets.delete_maintenanceentry",
    ("asset-replacement-list", "get"): "assets.view_replacementplan",
    ("asset-replacement-list", "post"): "assets.add_replacementplan",
    ("asset-replacement-detail", "get"): "assets.view_replacementplan",
    ("asset-replacement-detail", "put"): "assets.change_replacementplan",
    ("asset-replacement-detail", "patch"): "assets.change_replacementplan",
    ("asset-replacement-detail", "delete"): "assets.delete_replacementplan",
    ("asset-replacement-budget", "get"): "assets.view_replacementplan",
    # Any signed-in user: a reviewer sees and decides only their own items.
    ("security-review-item-list", "get"): SIGNED_IN,
    ("security-review-item-detail", "get"): SIGNED_IN,
    ("security-review-item-decide", "post"): SIGNED_IN,
    ("security-review-item-hand-over", "post"): SIGNED_IN,
    # Changes: CI webhooks authenticate with their source's secret, never a user's token.
    ("change-list", "get"): "changes.view_changerequest",
    ("change-list", "post"): "changes.add_changerequest",
    ("change-detail", "get"): "changes.view_changerequest",
    ("change-detail", "put"): "changes.change_changerequest",
    ("change-detail", "patch"): "changes.change_changerequest",
    ("change-submit", "post"): "changes.change_changerequest",
    ("change-schedule", "post"): "changes.change_changerequest",
    ("change-start", "post"): "changes.change_changerequest",
    ("change-complete", "post"): "changes.change_changerequest",
    ("change-review", "post"): "changes.change_changerequest",
    ("change-close", "post"): "changes.change_changerequest",
    ("change-safety-backup", "post"): "changes.change_changerequest",
    ("change-checklist", "post"): "changes.change_changerequest",
    ("change-approve", "post"): "changes.approve_changerequest",
    ("change-reject", "post"): "changes.approve_changerequest",
    ("change-template-list", "get"): "changes.view_changetemplate",
    ("change-template-list", "post"): "changes.add_changetemplate",
    ("change-template-detail", "get"): "changes.view_changetemplate",
    ("change-template-detail", "put"): "changes.change_changetemplate",
    ("change-template-detail", "patch"): "changes.change_changetemplate",
    ("blackout-window-list", "get"): "changes.view_blackoutwindow",
    ("blackout-window-list", "post"): "changes.add_blackoutwindow",
    ("blackout-window-detail", "get"): "changes.view_blackoutwindow",
    ("blackout-window-detail", "put"): "changes.change_blackoutwindow",
    ("blackout-window-detail", "patch"): "changes.change_blackoutwindow",
    ("blackout-window-detail", "delete"): "changes.delete_blackoutwindow",
    ("release-note-list", "get"): "changes.view_releasenote",
    ("release-note-list", "post"): "changes.add_releasenote",
    ("release-note-detail", "get"): "changes.view_releasenote",
    ("release-note-detail", "put"): "changes.change_releasenote",
    ("release-note-detail", "patch"): "changes.change_releasenote",
    ("repository-list", "get"): "changes.view_repository",
    ("repository-list", "post"): "changes.add_repository",
    ("repository-detail", "get"): "changes.view_repository",
    ("repository-detail", "put"): "changes.change_repository",
    ("repository-detail", "patch"): "changes.change_repository",
    ("repository-detail", "delete"): "changes.delete_repository",
    ("version-snapshot-list", "get"): "changes.view_versionsnapshot",
    ("version-snapshot-detail", "get"): "changes.view_versionsnapshot",
    ("pipeline-run-list", "get"): "changes.view_pipelinerun",
    ("pipeline-run-detail", "get"): "changes.view_pipelinerun",
    ("changes-calendar-ics", "get"): "changes.view_changerequest",
    ("changes-metrics-api", "get"): "changes.view_changerequest",
    ("changes-ci-generic", "post"): CI_SECRET,
    ("changes-ci-gitlab", "post"): CI_SECRET,
    ("changes-ci-github", "post"): CI_SECRET,
    ("changes-ci-jenkins", "post"): CI_SECRET,
}

# What an allowed caller gets for an empty request where the default does not apply.
ALLOWED_STATUS = {
    ("api-me-password", "post"): 400,  # no current and new password
    ("job-housekeeping", "post"): 202,  # queued
    ("compliance-assessment-run", "post"): 202,  # every framework, queued
    ("metric-query-list", "get"): 400,  # a query names its series
    ("api-me", "patch"): 200,  # nothing to change is a valid change
    ("audit-detail", "get"): 404,
}


def api_routes() -> list[tuple[str, str, str]]:
    """(url name, method, path) of every route under /api/v1/, one path per name."""
    routes = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "(?P<format>" in route or "<drf_format" in route:
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        methods = [m for m in actions if m != "head"] if actions else _view_methods(callback)
        for method in methods:
            routes[(pattern.name, method)] = _example_path(route)
    return [(name, method, path) for (name, method), path in sorted(routes.items())]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _view_methods(callback) -> list[str]:
    view_class = callback.cls
    return [
        method
        for method in view_class.http_method_names
        if method not in ("options", "head") and hasattr(view_class, method)
    ]


def _example_path(route: str) -> str:
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", str(MISSING), path)
    return "/" + path


def expected_status(persona, name: str, method: str, path: str) -> int:
    needed = RULES[(name, method)]
    if needed in (HOST_TOKEN, CI_SECRET):
        return 401  # a user's token is not a host's: not authenticated for this endpoint
    if needed and not persona.has_perm(needed):
        return 403
    if (name, method) in ALLOWED_STATUS:
        return ALLOWED_STATUS[(name, method)]
    if str(MISSING) in path:
        return 404
    return 400 if method in ("post", "put", "patch") else 200


def test_every_api_route_has_a_rule(db):
    routes = {(name, method) for name, method, _path in api_routes()}
    assert sorted(routes - set(RULES)) == [], "new API routes need a line in RULES"
    assert sorted(set(RULES) - routes) == [], "RULES names routes that no longer exist"


@pytest.mark.parametrize("username", sorted(PERSONAS))
def test_each_persona_gets_what_the_role_rules_say_on_every_route(
    username, personas, api_client_for
):
    persona = personas[username]
    client = api_client_for(persona)
    wrong = []
    for name, method, path in api_routes():
        response = getattr(client, method)(path, {}, format="json")
        expected = expected_status(persona, name, method, path)
        if response.status_code != expected:
            wrong.append(f"{method.upper()} {path} ({name}): {response.status_code} != {expected}")
    assert wrong == []


def test_anonymous_callers_are_refused_everywhere(client, db):
    refused = {401, 403}
    for name, method, path in api_routes():
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert response.status_code in refused, f"{method.upper()} {path} ({name})"
