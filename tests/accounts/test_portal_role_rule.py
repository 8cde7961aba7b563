"""The Portal user role makes a portal account, whatever path gives it: never staff, never
superuser, no other role; taking it away for a console role makes the account staff again."""

from __future__ import annotations

from django.contrib.auth.models import Group

from erpkeeper.accounts import services
from erpkeeper.accounts.roles import Role
from erpkeeper.accounts.services import user_roles


def portal_group() -> Group:
    return Group.objects.get_or_create(name=Role.PORTAL_USER.value)[0]


def test_a_staff_user_given_the_portal_role_by_hand_loses_the_console(helen, client):
    helen.groups.add(portal_group())  # as the console's user form or the shell would
    helen.refresh_from_db()
    assert not helen.is_staff and not helen.is_superuser
    assert user_roles(helen) == [Role.PORTAL_USER]
    assert not helen.has_perm("servicedesk.view_ticket")
    client.force_login(helen)
    answer = client.get("/servicedesk/ticket/")
    assert answer.status_code == 302 and answer["Location"] == "/portal/"
    assert client.get("/api/v1/tickets/").status_code == 403


def test_the_roles_page_adding_a_user_to_the_portal_role_counts_too(victor):
    victor.is_superuser = True
    victor.save()
    portal_group().user_set.add(victor)
    victor.refresh_from_db()
    assert not victor.is_staff and not victor.is_superuser
    assert user_roles(victor) == [Role.PORTAL_USER]


def test_ticking_staff_on_a_portal_account_does_not_stick(db):
    user, _password = services.create_user("li.na", "li.na@example.cn", Role.PORTAL_USER)
    user.is_staff = True
    user.save()
    user.refresh_from_db()
    assert not user.is_staff


def test_a_portal_account_given_a_console_role_becomes_staff(db):
    user, _password = services.create_user("wang.wu", "wang@example.cn", Role.PORTAL_USER)
    services.set_role(user, Role.HELPDESK_AGENT)
    user.refresh_from_db()
    assert user.is_staff and user_roles(user) == [Role.HELPDESK_AGENT]
    # The same by hand: the portal role taken away, another role given.
    user.groups.set([portal_group()])
    user.refresh_from_db()
    assert not user.is_staff
    user.groups.set([Group.objects.get(name=Role.VIEWER.value)])
    user.refresh_from_db()
    assert user.is_staff
