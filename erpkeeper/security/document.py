"""The access snapshot document: what an ERP grants to whom, normalised from the adapter.

One JSON document per snapshot, plain data (no Django), read by the evaluation, the diff and
the SoD analysis. Its hash covers everything in it, so two snapshots of an unchanged ERP share
one stored document. Logins are not part of it (they change every day and would defeat that):
ERPKeeper's login history lives beside it (models.LoginSighting).

Shape (format 1)::

    users        [{id, login, name, active, admin, created}]
    groups       [{id, name, xml_id, parent, active}]
    roles        [{id, name, groups: [id]}]
    memberships  [{user, group, role, from, to}]       role None: direct
    model_access [{model, group, perms}]               group None: everyone; perms ⊆ "rwcd"
    models       [name]  model_parents {model: [model]}  model_defaults {model: perms}
    menus        [{id, parent, path}]   menu_groups   [[menu, group]]
    buttons      [{id, model, name}]    button_groups [[button, group]]
    button_rules [{button, number_user, group, description}]
    record_rules [{id, name, model, global, default, perms, domains, groups}]
    api_keys     [{id, user, application, state, created}]
    field_access [{model, field, group, perms}]

Never in it: passwords, password hashes, API key values.
"""

from __future__ import annotations

import hashlib
import json
import zlib

FORMAT = 1
KINDS = (
    "users",
    "groups",
    "roles",
    "memberships",
    "model_access",
    "menus",
    "buttons",
    "button_rules",
    "record_rules",
    "api_keys",
)


def perms_text(read: bool, write: bool, create: bool, delete: bool) -> str:
    return "".join(
        letter for letter, on in zip("rwcd", (read, write, create, delete), strict=True) if on
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def build_document(adapter, erp_kind: str = "") -> dict:
    """Read everything an access review needs through ``adapter`` (read-only)."""
    return {
        "format": FORMAT,
        "erp_kind": erp_kind or adapter.kind,
        "users": [_user(u) for u in adapter.users()],
        "groups": [_group(g) for g in adapter.groups()],
        "roles": [
            {"id": r.id, "name": r.name, "groups": list(r.group_ids)} for r in adapter.roles()
        ],
        "memberships": [_membership(m) for m in adapter.memberships()],
        "model_access": [_model_access(a) for a in adapter.model_access()],
        "models": list(adapter.models()),
        "model_parents": dict(adapter.model_parents()),
        "model_defaults": dict(adapter.model_defaults()),
        "menus": [{"id": m.id, "parent": m.parent_id, "path": m.path} for m in adapter.menus()],
        "menu_groups": [[a.menu_id, a.group_id] for a in adapter.menu_access()],
        "buttons": [{"id": b.id, "model": b.model, "name": b.button} for b in adapter.buttons()],
        "button_groups": [[a.button_id, a.group_id] for a in adapter.button_access()],
        "button_rules": [_button_rule(r) for r in adapter.button_rules()],
        "record_rules": [_record_rule(r) for r in adapter.record_rules()],
        "api_keys": [_api_key(k) for k in adapter.api_keys()],
        "field_access": [_field_access(a) for a in adapter.field_access()],
    }


def _user(user) -> dict:
    return {
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "active": user.active,
        "admin": user.is_admin,
        "created": _iso(user.created),
    }


def _group(group) -> dict:
    return {
        "id": group.id,
        "name": group.name,
        "xml_id": group.xml_id,
        "parent": group.parent_id,
        "active": group.active,
    }


def _membership(membership) -> dict:
    return {
        "user": membership.user_id,
        "group": membership.group_id,
        "role": membership.via_role_id,
        "from": _iso(membership.valid_from),
        "to": _iso(membership.valid_to),
    }


def _model_access(access) -> dict:
    perms = perms_text(access.read, access.write, access.create, access.delete)
    return {"model": access.model, "group": access.group_id, "perms": perms}


def _button_rule(rule) -> dict:
    return {
        "button": rule.button_id,
        "number_user": rule.number_user,
        "group": rule.group_id,
        "description": rule.description,
    }


def _record_rule(rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "model": rule.model,
        "global": rule.global_p,
        "default": rule.default_p,
        "perms": perms_text(rule.read, rule.write, rule.create, rule.delete),
        "domains": list(rule.domains),
        "groups": list(rule.group_ids),
    }


def _api_key(key) -> dict:
    return {
        "id": key.id,
        "user": key.user_id,
        "application": key.application,
        "state": key.state,
        "created": _iso(key.created),
    }


def _field_access(access) -> dict:
    perms = perms_text(access.read, access.write, access.create, access.delete)
    return {"model": access.model, "field": access.field, "group": access.group_id, "perms": perms}


# -- storage ------------------------------------------------------------------------------------


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(document: dict) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def pack(document: dict) -> bytes:
    """Compressed canonical JSON (zlib: in the standard library, and these documents are small
    and repetitive enough that it gets about 10:1)."""
    return zlib.compress(canonical(document), 6)


def unpack(data: bytes) -> dict:
    return json.loads(zlib.decompress(bytes(data)))


def counts(document: dict) -> dict[str, int]:
    """How many of each kind, plus the headline numbers a list shows."""
    result = {kind: len(document.get(kind, [])) for kind in KINDS}
    users = document.get("users", [])
    result["active_users"] = sum(1 for u in users if u["active"])
    result["administrators"] = sum(1 for u in users if u["active"] and u["admin"])
    return result
