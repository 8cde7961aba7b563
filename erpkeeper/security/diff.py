"""What changed between two snapshot documents, per user and per group. No Django.

    changes = diff_documents(old, new, old_time, new_time)
    changes["users"]  -> [{"login", "name", "changes": [{"kind", "text", "important", ...}]}]
    changes["groups"] -> [{"group", "changes": [...]}]

Users are matched by login and groups by XML id (else name), not by database id, so a
restored or rebuilt ERP compares sensibly. Group memberships are the effective ones (roles
valid at each snapshot's time, parents included), each gained group with the way it came.
"""

from __future__ import annotations

import datetime as dt

from erpkeeper.security.evaluation import AccessModel

IMPORTANT = {
    "new_user",
    "reactivated",
    "new_administrator",
    "group_gained",
    "api_key_added",
    "group_permission_gained",
}


def diff_documents(old: dict, new: dict, old_time: dt.datetime, new_time: dt.datetime) -> dict:
    before, after = AccessModel(old, old_time), AccessModel(new, new_time)
    users = _user_changes(before, after)
    groups = _group_changes(before, after)
    important = sum(
        1 for entry in users + groups for change in entry["changes"] if change["important"]
    )
    return {
        "from": old_time.isoformat(),
        "to": new_time.isoformat(),
        "users": users,
        "groups": groups,
        "important": important,
    }


def _change(kind: str, **details) -> dict:
    return {"kind": kind, "important": kind in IMPORTANT, **details}


def _user_changes(before: AccessModel, after: AccessModel) -> list[dict]:
    found = []
    for login, new_id in sorted(after.logins.items()):
        old_id = before.logins.get(login)
        user = after.users[new_id]
        if old_id is None:
            changes = [_change("new_user", active=user["active"], admin=bool(user["admin"]))]
            changes += _gained_groups(before, after, None, new_id)
        else:
            changes = _account_changes(before.users[old_id], user)
            changes += _gained_groups(before, after, old_id, new_id)
            changes += _lost_groups(before, after, old_id, new_id)
        changes += _new_api_keys(before, after, old_id, new_id)
        if changes:
            found.append({"login": login, "name": user["name"], "changes": changes})
    for login, old_id in sorted(before.logins.items()):
        if login not in after.logins:
            found.append(
                {
                    "login": login,
                    "name": before.users[old_id]["name"],
                    "changes": [_change("removed_user")],
                }
            )
    return found


def _account_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    if not old["active"] and new["active"]:
        changes.append(_change("reactivated"))
    elif old["active"] and not new["active"]:
        changes.append(_change("deactivated"))
    if not old["admin"] and new["admin"]:
        changes.append(_change("new_administrator"))
    elif old["admin"] and not new["admin"]:
        changes.append(_change("administrator_removed"))
    return changes


def _group_key(model: AccessModel, group_id: int) -> str:
    group = model.groups[group_id]
    return group.get("xml_id") or group["name"]


def _held(model: AccessModel, user_id: int | None) -> dict[str, int]:
    if user_id is None:
        return {}
    return {_group_key(model, g): g for g in model.user_holder(user_id).groups}


def _ways(model: AccessModel, user_id: int, group_id: int) -> list[dict]:
    ways = []
    for path in model.user_holder(user_id).groups.get(group_id, ()):
        way = {}
        if path.role is not None:
            way["role"] = model.role_name(path.role)
        if path.member_of != path.group:
            way["inherited_from"] = model.group_name(path.member_of)
        ways.append(way or {"direct": True})
    return ways


def _gained_groups(before, after, old_id, new_id) -> list[dict]:
    old_groups, new_groups = _held(before, old_id), _held(after, new_id)
    return [
        _change(
            "group_gained",
            group=after.group_name(group_id),
            via=_ways(after, new_id, group_id),
        )
        for key, group_id in sorted(new_groups.items())
        if key not in old_groups
    ]


def _lost_groups(before, after, old_id, new_id) -> list[dict]:
    old_groups, new_groups = _held(before, old_id), _held(after, new_id)
    return [
        _change(
            "group_lost", group=before.group_name(group_id), via=_ways(before, old_id, group_id)
        )
        for key, group_id in sorted(old_groups.items())
        if key not in new_groups
    ]


def _api_keys(model: AccessModel, user_id: int | None) -> dict[int, dict]:
    if user_id is None:
        return {}
    return {
        key["id"]: key
        for key in model.document.get("api_keys", [])
        if key["user"] == user_id and key["state"] != "cancelled"
    }


def _new_api_keys(before, after, old_id, new_id) -> list[dict]:
    old_keys = _api_keys(before, old_id)
    return [
        _change("api_key_added", application=key["application"], state=key["state"])
        for key_id, key in sorted(_api_keys(after, new_id).items())
        if key_id not in old_keys
    ]


def _group_rows(model: AccessModel) -> dict[str, dict[str, str]]:
    """Group key -> {model: perms} of its access rows ("everyone" for rows with no group)."""
    rows: dict[str, dict[str, str]] = {}
    for row in model.document.get("model_access", []):
        key = "everyone" if row["group"] is None else _group_key(model, row["group"])
        if row["group"] is not None and row["group"] not in model.groups:
            continue
        current = rows.setdefault(key, {}).get(row["model"], "")
        rows[key][row["model"]] = "".join(p for p in "rwcd" if p in current + row["perms"])
    return rows


def _group_changes(before: AccessModel, after: AccessModel) -> list[dict]:
    old_rows, new_rows = _group_rows(before), _group_rows(after)
    names = {_group_key(after, g): after.group_name(g) for g in after.groups}
    names.update({_group_key(before, g): before.group_name(g) for g in before.groups})
    names["everyone"] = "everyone"
    found = []
    for key in sorted(set(old_rows) | set(new_rows)):
        changes = []
        old, new = old_rows.get(key, {}), new_rows.get(key, {})
        for model in sorted(set(old) | set(new)):
            gained = "".join(p for p in new.get(model, "") if p not in old.get(model, ""))
            lost = "".join(p for p in old.get(model, "") if p not in new.get(model, ""))
            if gained:
                changes.append(_change("group_permission_gained", model=model, perms=gained))
            if lost:
                changes.append(_change("group_permission_lost", model=model, perms=lost))
        if changes:
            found.append({"group": names.get(key, key), "changes": changes})
    return found
