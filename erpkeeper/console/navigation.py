"""The sidebar: every app's NavItems grouped by Section, in section order, for unfold."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.lib.plugins import NavItem, Section, collect


def sidebar(request) -> list[dict]:
    items = sorted(collect("navigation"), key=lambda item: item.order)  # stable: app order
    groups = []
    for section in Section:
        links = [_link(item) for item in items if item.section == section]
        if links:
            groups.append({"title": section.label, "items": links})
    return groups


def _link(item: NavItem) -> dict:
    link = {"title": item.title, "icon": item.icon, "link": reverse(item.url_name)}
    if item.permission:
        link["permission"] = _HasPermission(item.permission)
    return link


class _HasPermission:
    """unfold calls a link's ``permission`` with the request."""

    def __init__(self, permission: str):
        self.permission = permission

    def __call__(self, request) -> bool:
        return request.user.has_perm(self.permission)
