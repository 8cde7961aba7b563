"""Roles: permissions derived from rules, the same in the console, the API and the models."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from erpkeeper.accounts import services
from erpkeeper.accounts.apps import TEAM_MODELS
from erpkeeper.accounts.roles import PermissionKey, Role, role_rules, sync_role_permissions
from erpkeeper.changes import apps as changes_apps
from erpkeeper.knowledge import apps as knowledge_apps
from erpkeeper.lib.permissions import RolePermission, requires
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db


def perms_of(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_it_seeds_the_seven_roles_as_groups_with_stable_english_names():
    names = set(Group.objects.values_list("name", flat=True))
    assert {r.value for r in Role} <= names
    assert "Ops engineer" in names


def test_administrator_gets_every_permission():
    assert perms_of(Role.ADMINISTRATOR) == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }


def test_viewer_views_erpkeeper_data_but_changes_nothing_and_sees_no_users_or_audit(victor):
    assert victor.has_perm("targets.view_target")
    assert victor.has_perm("core.view_job")
    assert not victor.has_perm("targets.add_target")
    assert not victor.has_perm("targets.change_target")
    assert not victor.has_perm("core.change_job")
    assert not victor.has_perm("auth.view_user")
    assert not victor.has_perm("core.view_auditentry")
    assert not victor.has_perm("accounts.view_any_apitoken")
    # ... and manages their own API tokens only
    assert victor.has_perms(["accounts.view_apitoken", "accounts.add_apitoken"])
    assert not victor.has_perm("accounts.delete_apitoken")


def test_ops_engineer_runs_targets_and_jobs(olga):
    assert olga.has_perms(
        ["targets.add_target", "targets.change_target", "targets.delete_target", "core.change_job"]
    )
    assert not olga.has_perm("auth.view_user")
    assert not olga.has_perm("core.view_auditentry")


def test_dba_changes_targets_and_jobs_but_does_not_add_or_remove_targets(dave):
    assert dave.has_perms(["targets.view_target", "targets.change_target", "core.change_job"])
    assert not dave.has_perm("targets.add_target")
    assert not dave.has_perm("targets.delete_target")


def test_security_auditor_reads_the_audit_trail_users_and_all_tokens_but_edits_nothing(sam):
    assert sam.has_perms(
        ["core.view_auditentry", "auth.view_user", "auth.view_group", "accounts.view_any_apitoken"]
    )
    assert not sam.has_perm("core.change_auditentry")
    assert not sam.has_perm("core.delete_auditentry")
    assert not sam.has_perm("auth.change_user")
    assert not sam.has_perm("targets.change_target")
    assert not sam.has_perm("accounts.revoke_any_apitoken")


def test_helpdesk_agent_sees_targets_and_jobs_only(helen):
    assert helen.has_perms(["targets.view_target", "core.view_job"])
    assert not helen.has_perm("accounts.view_profile")
    assert not helen.has_perm("core.change_job")


def test_manager_views_all_and_changes_only_teams_raci_rotas_and_announcements(mark):
    # Managers also read the service desk's tickets (end users' personal data), which
    # viewers do not (docs/servicedesk.md, "Who reads tickets"), and its reports.
    personal = {
        "servicedesk.view_ticket",
        "servicedesk.view_ticketmessage",
        "servicedesk.view_attachment",
        "servicedesk.view_problem",
        "servicedesk.view_savedfilter",
        "servicedesk.view_helpsearch",
        "servicedesk.view_reports",
    }
    writes = {p for p in perms_of(Role.MANAGER) if not p.split(".")[1].startswith("view_")}
    assert perms_of(Role.MANAGER) - writes == perms_of(Role.VIEWER) - writes | personal
    # Their own tokens, and the team's organisation (docs/teams.md).
    teams = {f"accounts.{a}_{m}" for a in ("add", "change", "delete") for m in TEAM_MODELS}
    # The advisory board's approvals, its templates and blackout windows (docs/changes.md)...
    board = {"changes.approve_changerequest"} | {
        f"changes.{a}_{m}" for a in ("add", "change", "delete") for m in changes_apps.MANAGED
    }
    # ...and who takes which course and the training sessions (docs/knowledge.md).
    training = {
        f"knowledge.{a}_{m}" for a in ("add", "change", "delete") for m in knowledge_apps.ASSIGNING
    } | {f"knowledge.{a}_{m}" for a in ("add", "change") for m in knowledge_apps.SESSIONS}
    own = {"accounts.add_apitoken", "accounts.change_apitoken"}
    assert writes == own | teams | board | training


def test_permissions_of_a_model_added_later_are_picked_up_by_the_sync(victor):
    content_type = ContentType.objects.create(app_label="targets", model="probe")
    Permission.objects.create(
        codename="view_probe", name="Can view probe", content_type=content_type
    )
    Permission.objects.create(codename="add_probe", name="Can add probe", content_type=content_type)
    sync_role_permissions()
    victor = type(victor).objects.get(pk=victor.pk)  # fresh permission cache
    assert victor.has_perm("targets.view_probe")
    assert not victor.has_perm("targets.add_probe")
    assert "targets.add_probe" in perms_of(Role.OPS_ENGINEER)


def test_sync_is_idempotent_and_undoes_hand_edits_of_roles_but_not_other_groups():
    viewer = Group.objects.get(name=Role.VIEWER.value)
    extra = Permission.objects.get(codename="delete_target")
    viewer.permissions.add(extra)
    custom = Group.objects.create(name="Night shift")
    custom.permissions.add(extra)

    first = sync_role_permissions()
    second = sync_role_permissions()

    assert first == second
    assert "targets.delete_target" not in perms_of(Role.VIEWER)
    assert list(custom.permissions.all()) == [extra]


def test_rules_match_by_app_action_and_model_patterns():
    viewer = role_rules()[Role.VIEWER]
    assert viewer.allows(PermissionKey("backups", "erpkeeper.backups", "backup", "view_backup"))
    assert not viewer.allows(PermissionKey("core", "erpkeeper.core", "secret", "view_secret"))
    assert not viewer.allows(PermissionKey("auth", "django.contrib.auth", "user", "view_user"))
    key = PermissionKey("accounts", "erpkeeper.accounts", "apitoken", "view_any_apitoken")
    assert key.action == "view_any"
    assert not viewer.allows(key)


def test_role_names_are_parsed_leniently():
    assert Role.parse("ops-engineer") is Role.OPS_ENGINEER
    assert Role.parse("Security auditor") is Role.SECURITY_AUDITOR
    assert Role.parse("HELPDESK_AGENT") is Role.HELPDESK_AGENT
    with pytest.raises(ValueError):
        Role.parse("root")


def test_users_created_by_the_services_are_staff_with_exactly_one_role():
    user, _ = services.create_user("nina", "nina@example.com", Role.DBA)
    assert user.is_staff and not user.is_superuser
    services.set_role(user, Role.VIEWER)
    assert services.user_roles(user) == [Role.VIEWER]


# --- the console enforces the same permissions ------------------------------------------------


def test_console_user_list_is_for_administrators_and_auditors_only(console_client_for, personas):
    assert console_client_for(personas["alice"]).get("/auth/user/").status_code == 200
    assert console_client_for(personas["sam"]).get("/auth/user/").status_code == 200
    assert console_client_for(personas["victor"]).get("/auth/user/").status_code == 403
    assert console_client_for(personas["olga"]).get("/auth/user/").status_code == 403


def test_auditor_sees_users_read_only(console_client_for, sam, victor):
    client = console_client_for(sam)
    assert client.get("/auth/user/add/").status_code == 403
    page = client.get(f"/auth/user/{victor.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"/auth/user/{victor.pk}/change/", {"username": "hacked"})
    assert response.status_code == 403


def test_built_in_roles_show_translated_labels_and_cannot_be_deleted(console_client_for, alice):
    client = console_client_for(alice)
    viewer = Group.objects.get(name=Role.VIEWER.value)
    page = client.get(f"/auth/group/{viewer.pk}/change/").content.decode()
    assert "derived from rules" in page
    assert client.get(f"/auth/group/{viewer.pk}/delete/").status_code == 403


def test_console_adds_users_through_the_services(console_client_for, alice):
    response = console_client_for(alice).post(
        "/auth/user/add/",
        {
            "username": "paula",
            "email": "paula@example.com",
            "role": Role.HELPDESK_AGENT.value,
            "password1": "amber rivers wander slowly",
            "password2": "amber rivers wander slowly",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    paula = services.get_user("paula")
    assert paula.is_staff
    assert services.user_roles(paula) == [Role.HELPDESK_AGENT]
    assert paula.profile.language == ""


# --- the API enforces the same permissions ----------------------------------------------------


def test_me_lists_roles_and_permissions(api_client_for, victor):
    body = api_client_for(victor).get("/api/v1/me/").json()
    assert body["username"] == "victor"
    assert body["roles"] == [{"name": "Viewer", "label": "Viewer"}]
    assert "targets.view_target" in body["permissions"]
    assert "targets.add_target" not in body["permissions"]
    assert body["authenticated_by"] == "token"


class ProbeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Target.objects.all()
    permission_classes = [RolePermission]
    action_permissions = {"probe": "view", "wipe": ["targets.delete_target"]}

    @action(detail=False, methods=["post"])
    def probe(self, request):
        return Response({"ok": True})

    @action(detail=False, methods=["post"])
    def wipe(self, request):
        return Response({"ok": True})

    @action(detail=False, methods=["post"])
    def plain(self, request):  # no declaration: POST needs add_target
        return Response({"ok": True})

    @action(detail=False, methods=["post"], permission_classes=[requires("core.change_job")])
    def cancel(self, request):
        return Response({"ok": True})


def call(user, name):
    # as the router does: an action's own kwargs (permission_classes) become view attributes
    view = ProbeViewSet.as_view({"post": name}, **getattr(ProbeViewSet, name).kwargs)
    request = APIRequestFactory().post(f"/{name}/")
    force_authenticate(request, user=user)
    return view(request).status_code


@pytest.mark.parametrize(
    ("persona", "name", "expected"),
    [
        ("victor", "probe", 200),  # a read-only probe needs the view permission only
        ("victor", "plain", 403),
        ("olga", "plain", 200),
        ("dave", "wipe", 403),
        ("olga", "wipe", 200),
        ("victor", "cancel", 403),
        ("dave", "cancel", 200),
    ],
)
def test_custom_api_actions_declare_their_permission(personas, persona, name, expected):
    assert call(personas[persona], name) == expected


def test_console_user_and_group_pages_render(console_client_for, alice, victor):
    client = console_client_for(alice)
    user_page = client.get(f"/auth/user/{victor.pk}/change/")
    assert user_page.status_code == 200
    assert 'name="profile-0-language"' in user_page.content.decode()
    listing = client.get("/auth/user/").content.decode()
    assert "Viewer" in listing
    assert client.get("/auth/group/").status_code == 200
    assert client.get("/auth/group/add/").status_code == 200


def test_every_migrate_resyncs_the_roles():
    from django.core.management.sql import emit_post_migrate_signal

    Group.objects.get(name=Role.VIEWER.value).permissions.clear()
    Group.objects.filter(name=Role.DBA.value).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert "targets.view_target" in perms_of(Role.VIEWER)
    assert "targets.change_target" in perms_of(Role.DBA)


def test_portal_users_hold_no_permission_whatever_an_app_grants():
    # Portal users (ERP end users) only use the service desk's portal, which checks that a
    # ticket is theirs; a grant an app declares for them by mistake is denied by the base rules.
    rules = role_rules()[Role.PORTAL_USER]
    key = PermissionKey("servicedesk", "erpkeeper.servicedesk", "ticket", "view_ticket")
    assert not rules.allows(key)
    assert perms_of(Role.PORTAL_USER) == set()
    assert not Role.PORTAL_USER.uses_console and Role.VIEWER.uses_console
