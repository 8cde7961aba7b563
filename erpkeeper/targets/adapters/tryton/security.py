"""Users, groups, roles, memberships, permissions and login history of a Tryton database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from erpkeeper.targets.adapters.base import (
    ButtonAccess,
    ErpGroup,
    ErpRole,
    ErpUser,
    LoginEvent,
    Membership,
    MenuAccess,
    ModelAccess,
)
from erpkeeper.targets.adapters.sql import (
    ReadOnlyConnection,
    since_param,
    to_bool,
    to_datetime,
)

ROOT_USER_ID = 0  # Tryton's technical user (cron, trytond-admin); never a person
MENU_SEPARATOR = " / "


def _column(db: ReadOnlyConnection, table: str, column: str, alias: str, default="NULL") -> str:
    quoted = f'{alias}."{column}"'
    return quoted if db.has_column(table, column) else default


def users(db: ReadOnlyConnection) -> list[ErpUser]:
    if db.has_table("ir_session"):
        last_login = (
            "LEFT JOIN (SELECT create_uid, MAX(create_date) AS last_login FROM ir_session "
            "GROUP BY create_uid) s ON s.create_uid = u.id"
        )
        last_login_column = "s.last_login"
    else:
        last_login, last_login_column = "", "NULL"
    rows = db.execute(
        f"SELECT u.id, u.login, u.name, u.active, "
        f"{_column(db, 'res_user', 'administrator', 'u')}, "
        f"{_column(db, 'res_user', 'email', 'u')}, u.create_date, {last_login_column} "
        f"FROM res_user u {last_login} WHERE u.id <> %s ORDER BY u.id",
        (ROOT_USER_ID,),
    )
    return [
        ErpUser(
            id=uid,
            login=login or "",
            name=name or "",
            active=to_bool(active),
            is_admin=to_bool(admin),
            email=email or "",
            created=to_datetime(created),
            last_login=to_datetime(last),
        )
        for uid, login, name, active, admin, email, created, last in rows
    ]


def groups(db: ReadOnlyConnection) -> list[ErpGroup]:
    parent = _column(db, "res_group", "parent", "g")
    active = _column(db, "res_group", "active", "g", default="1")
    rows = db.execute(f"SELECT g.id, g.name, {parent}, {active} FROM res_group g ORDER BY g.id")
    xml_ids = group_xml_ids(db)
    return [
        ErpGroup(
            id=gid,
            name=name or "",
            parent_id=parent_id,
            active=to_bool(is_active),
            xml_id=xml_ids.get(gid, ""),
        )
        for gid, name, parent_id, is_active in rows
    ]


def group_xml_ids(db: ReadOnlyConnection) -> dict[int, str]:
    """Group id -> "module.fs_id": the name a rule set can use in every language."""
    if not db.has_table("ir_model_data"):
        return {}
    rows = db.execute(
        "SELECT db_id, module, fs_id FROM ir_model_data WHERE model = %s ORDER BY id",
        ("res.group",),
    )
    return {db_id: f"{module}.{fs_id}" for db_id, module, fs_id in rows if db_id is not None}


def roles(db: ReadOnlyConnection) -> list[ErpRole]:
    """Roles of the ``user_role`` module; [] when it is not installed."""
    if not (db.has_table("res_role") and db.has_table("res_role-res_group")):
        return []
    group_ids: dict[int, list[int]] = {}
    for role_id, group_id in db.execute(
        'SELECT role, "group" FROM "res_role-res_group" ORDER BY role, "group"'
    ):
        group_ids.setdefault(role_id, []).append(group_id)
    return [
        ErpRole(id=rid, name=name or "", group_ids=group_ids.get(rid, []))
        for rid, name in db.execute("SELECT id, name FROM res_role ORDER BY id")
    ]


def _has_roles(db: ReadOnlyConnection) -> bool:
    return db.has_table("res_user_role") and db.has_table("res_role-res_group")


def memberships(db: ReadOnlyConnection, now: dt.datetime | None = None) -> list[Membership]:
    """Direct group memberships plus those granted through roles.

    The ``user_role`` module copies the groups of a user's valid roles into
    ``res_user-res_group``; such a row is reported once, as a role membership (with the role's
    dates), not also as a direct one. A row that no currently valid role explains is direct.
    """
    now = since_param(now or dt.datetime.now(dt.UTC))
    result: list[Membership] = []
    direct_sql = 'SELECT ug."user", ug."group" FROM "res_user-res_group" ug WHERE ug."user" <> %s'
    params: tuple = (ROOT_USER_ID,)
    if _has_roles(db):
        direct_sql += (
            ' AND NOT EXISTS (SELECT 1 FROM res_user_role ur JOIN "res_role-res_group" rg'
            ' ON rg.role = ur.role WHERE ur."user" = ug."user" AND rg."group" = ug."group"'
            " AND (ur.from_date IS NULL OR ur.from_date <= %s)"
            " AND (ur.to_date IS NULL OR ur.to_date >= %s))"
        )
        params += (now, now)
    for user_id, group_id in db.execute(direct_sql, params):
        result.append(Membership(user_id=user_id, group_id=group_id))
    if _has_roles(db):
        for user_id, group_id, role_id, valid_from, valid_to in db.execute(
            'SELECT ur."user", rg."group", ur.role, ur.from_date, ur.to_date '
            'FROM res_user_role ur JOIN "res_role-res_group" rg ON rg.role = ur.role '
            'WHERE ur."user" <> %s',
            (ROOT_USER_ID,),
        ):
            result.append(
                Membership(
                    user_id=user_id,
                    group_id=group_id,
                    via_role_id=role_id,
                    valid_from=to_datetime(valid_from),
                    valid_to=to_datetime(valid_to),
                )
            )
    result.sort(
        key=lambda m: (
            m.user_id,
            m.group_id,
            m.via_role_id or 0,
            m.valid_from.isoformat() if m.valid_from else "",
        )
    )
    return result


def model_access(db: ReadOnlyConnection) -> list[ModelAccess]:
    """Active rows of ``ir_model_access`` (inactive rows do not apply in Tryton)."""
    active = _column(db, "ir_model_access", "active", "a", default="1")
    rows = db.execute(
        f'SELECT a.model, a."group", a.perm_read, a.perm_write, a.perm_create, a.perm_delete, '
        f"{active} FROM ir_model_access a ORDER BY a.id"
    )
    model_names: dict[int, str] = {}
    if any(isinstance(row[0], int) for row in rows):  # before Tryton 7.x: model is ir_model.id
        model_names = dict(db.execute("SELECT id, model FROM ir_model"))
    return [
        ModelAccess(
            model=model_names.get(model, str(model)) if isinstance(model, int) else model,
            group_id=group_id,
            read=to_bool(read),
            write=to_bool(write),
            create=to_bool(create),
            delete=to_bool(delete),
        )
        for model, group_id, read, write, create, delete, is_active in rows
        if to_bool(is_active)
    ]


def menu_paths(db: ReadOnlyConnection) -> dict[int, tuple[str, bool]]:
    """Every menu id -> (``"Parent / Child"`` path, reachable: itself and ancestors active)."""
    active = _column(db, "ir_ui_menu", "active", "m", default="1")
    menus = {
        mid: (parent, name or "", to_bool(is_active))
        for mid, parent, name, is_active in db.execute(
            f"SELECT m.id, m.parent, m.name, {active} FROM ir_ui_menu m"
        )
    }
    paths: dict[int, tuple[str, bool]] = {}
    for menu_id in menus:
        names, reachable, seen, current = [], True, set(), menu_id
        while current in menus and current not in seen:  # a parent cycle must not hang us
            seen.add(current)
            parent, name, is_active = menus[current]
            names.append(name)
            reachable = reachable and is_active
            current = parent
        paths[menu_id] = (MENU_SEPARATOR.join(reversed(names)), reachable)
    return paths


def menu_access(db: ReadOnlyConnection) -> list[MenuAccess]:
    """Group restrictions of reachable menus (a menu without rows is open to everyone)."""
    if not db.has_table("ir_ui_menu-res_group"):
        return []
    paths = menu_paths(db)
    result = []
    for menu_id, group_id in db.execute(
        'SELECT menu, "group" FROM "ir_ui_menu-res_group" ORDER BY menu, "group"'
    ):
        path, reachable = paths.get(menu_id, ("", False))
        if reachable:
            result.append(MenuAccess(menu_id=menu_id, menu_path=path, group_id=group_id))
    return result


def button_access(db: ReadOnlyConnection) -> list[ButtonAccess]:
    """Groups allowed to click each restricted button (active buttons and links only)."""
    if not (db.has_table("ir_model_button") and db.has_table("ir_model_button-res_group")):
        return []
    link_active = _column(db, "ir_model_button-res_group", "active", "bg", default="1")
    button_active = _column(db, "ir_model_button", "active", "b", default="1")
    rows = db.execute(
        f'SELECT b.id, b.model, b.name, bg."group", {link_active}, {button_active} '
        'FROM ir_model_button b JOIN "ir_model_button-res_group" bg ON bg.button = b.id '
        'ORDER BY b.model, b.name, bg."group"'
    )
    return [
        ButtonAccess(button_id=bid, model=model or "", button=name or "", group_id=group_id)
        for bid, model, name, group_id, link_ok, button_ok in rows
        if to_bool(link_ok) and to_bool(button_ok)
    ]


def logins(db: ReadOnlyConnection, since: dt.datetime | None = None) -> Iterator[LoginEvent]:
    """Successful logins (``ir_session``) and failed ones (``res_user_login_attempt``), by time.

    Tryton deletes a session row when it expires or the user logs out, and the failed attempts
    of a login when that login succeeds: both tables keep recent history only.
    """
    since = since_param(since)
    branches, params = [], []
    if db.has_table("ir_session"):
        ip = _column(db, "ir_session", "ip_address", "s")
        sql = (
            f"SELECT s.create_date, 1, s.id, u.login, s.create_uid, {ip} "
            "FROM ir_session s LEFT JOIN res_user u ON u.id = s.create_uid"
        )
        if since is not None:
            sql += " WHERE s.create_date >= %s"
            params.append(since)
        branches.append(sql)
    if db.has_table("res_user_login_attempt"):
        ip = _column(db, "res_user_login_attempt", "ip_address", "a")
        sql = (
            f"SELECT a.create_date, 0, a.id, a.login, u.id, {ip} "
            "FROM res_user_login_attempt a "
            "LEFT JOIN res_user u ON u.login = a.login AND u.id <> %s"
        )
        params.append(ROOT_USER_ID)  # "root" cannot log in: trying it is not a user's attempt
        if since is not None:
            sql += " WHERE a.create_date >= %s"
            params.append(since)
        branches.append(sql)
    if not branches:
        return
    sql = " UNION ALL ".join(branches) + " ORDER BY 1, 2, 3"
    for created, success, _id, login, user_id, ip_address in db.stream(sql, params):
        yield LoginEvent(
            login=login or "",
            user_id=user_id,
            time=to_datetime(created),
            success=bool(success),
            ip_address=ip_address or "",
        )
