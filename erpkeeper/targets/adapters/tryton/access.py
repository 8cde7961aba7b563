"""What an access review reads beyond users and groups: every model, menu and button the ERP
has, approval rules on buttons, record rules, API keys and field access of a Tryton database.

Each function returns [] when its table is missing (an older Tryton or another module set):
the review then has nothing of that kind to show, which is not an error. API keys are listed
by user, application and state; the ``key`` column is never selected.
"""

from __future__ import annotations

from erpkeeper.targets.adapters.base import (
    ApiKey,
    ButtonRule,
    ErpButton,
    ErpMenu,
    FieldAccess,
    RecordRule,
)
from erpkeeper.targets.adapters.sql import ReadOnlyConnection, to_bool, to_datetime
from erpkeeper.targets.adapters.tryton import model_kinds
from erpkeeper.targets.adapters.tryton.security import menu_paths


def _column(db: ReadOnlyConnection, table: str, column: str, alias: str, default="NULL") -> str:
    return f'{alias}."{column}"' if db.has_column(table, column) else default


def models(db: ReadOnlyConnection) -> list[str]:
    if not db.has_table("ir_model"):
        return []
    # Tryton 8.x keeps the model's name in ``name``; before 7.x it was ``model``
    column = "model" if db.has_column("ir_model", "model") else "name"
    return [name for (name,) in db.execute(f"SELECT {column} FROM ir_model ORDER BY 1") if name]


def model_parents(model_names: list[str]) -> dict[str, list[str]]:
    """Tryton's ``__access__`` links among the models this ERP has (see model_kinds)."""
    present = set(model_names)
    return {
        model: [parent for parent in parents if parent in present]
        for model, parents in model_kinds.ACCESS_PARENTS.items()
        if model in present
    }


def model_defaults(model_names: list[str]) -> dict[str, str]:
    """Models whose default access is narrower than all four: "rw" singletons, "r" views."""
    defaults = {}
    for model in model_names:
        if model in model_kinds.SQL_VIEWS:
            defaults[model] = "r"
        elif model in model_kinds.SINGLETONS:
            defaults[model] = "rw"
    return defaults


def menus(db: ReadOnlyConnection) -> list[ErpMenu]:
    """Every reachable menu (itself and its ancestors active) with its parent and path."""
    if not db.has_table("ir_ui_menu"):
        return []
    parents = dict(db.execute("SELECT id, parent FROM ir_ui_menu"))
    return [
        ErpMenu(id=menu_id, parent_id=parents.get(menu_id), path=path)
        for menu_id, (path, reachable) in sorted(menu_paths(db).items())
        if reachable
    ]


def buttons(db: ReadOnlyConnection) -> list[ErpButton]:
    """Every active button (Tryton ignores an inactive one: its groups no longer apply)."""
    if not db.has_table("ir_model_button"):
        return []
    active = _column(db, "ir_model_button", "active", "b", default="1")
    rows = db.execute(
        f"SELECT b.id, b.model, b.name, {active} FROM ir_model_button b ORDER BY b.id"
    )
    return [
        ErpButton(id=bid, model=model or "", button=name or "")
        for bid, model, name, is_active in rows
        if to_bool(is_active)
    ]


def button_rules(db: ReadOnlyConnection) -> list[ButtonRule]:
    if not (db.has_table("ir_model_button_rule") and db.has_table("ir_model_button")):
        return []
    group = _column(db, "ir_model_button_rule", "group", "r")
    rows = db.execute(
        f"SELECT r.button, b.model, b.name, r.number_user, {group}, r.description "
        "FROM ir_model_button_rule r JOIN ir_model_button b ON b.id = r.button ORDER BY r.id"
    )
    return [
        ButtonRule(
            button_id=button_id,
            model=model or "",
            button=name or "",
            number_user=int(number or 0),
            group_id=group_id,
            description=description or "",
        )
        for button_id, model, name, number, group_id, description in rows
    ]


def record_rules(db: ReadOnlyConnection) -> list[RecordRule]:
    if not db.has_table("ir_rule_group"):
        return []
    domains: dict[int, list[str]] = {}
    if db.has_table("ir_rule"):
        for group_id, domain in db.execute("SELECT rule_group, domain FROM ir_rule ORDER BY id"):
            domains.setdefault(group_id, []).append(domain or "")
    group_ids: dict[int, list[int]] = {}
    if db.has_table("ir_rule_group-res_group"):
        for rule_group, group_id in db.execute(
            'SELECT rule_group, "group" FROM "ir_rule_group-res_group" ORDER BY rule_group, "group"'
        ):
            group_ids.setdefault(rule_group, []).append(group_id)
    rows = db.execute(
        "SELECT id, name, model, global_p, default_p, perm_read, perm_write, perm_create, "
        "perm_delete FROM ir_rule_group ORDER BY id"
    )
    return [
        RecordRule(
            id=rid,
            name=name or "",
            model=model or "",
            global_p=to_bool(global_p),
            default_p=to_bool(default_p),
            read=to_bool(read),
            write=to_bool(write),
            create=to_bool(create),
            delete=to_bool(delete),
            domains=domains.get(rid, []),
            group_ids=group_ids.get(rid, []),
        )
        for rid, name, model, global_p, default_p, read, write, create, delete in rows
    ]


def api_keys(db: ReadOnlyConnection) -> list[ApiKey]:
    if not db.has_table("res_user_application"):
        return []
    rows = db.execute(
        'SELECT id, "user", application, state, create_date FROM res_user_application ORDER BY id'
    )
    return [
        ApiKey(
            id=kid,
            user_id=user_id,
            application=application or "",
            state=state or "",
            created=to_datetime(created),
        )
        for kid, user_id, application, state, created in rows
    ]


def field_access(db: ReadOnlyConnection) -> list[FieldAccess]:
    """Active field access rows (model and field are names in Tryton 8.x)."""
    if not db.has_table("ir_model_field_access"):
        return []
    active = _column(db, "ir_model_field_access", "active", "a", default="1")
    rows = db.execute(
        f'SELECT a.model, a.field, a."group", a.perm_read, a.perm_write, a.perm_create, '
        f"a.perm_delete, {active} FROM ir_model_field_access a ORDER BY a.id"
    )
    return [
        FieldAccess(
            model=str(model),
            field=str(field_name),
            group_id=group_id,
            read=to_bool(read),
            write=to_bool(write),
            create=to_bool(create),
            delete=to_bool(delete),
        )
        for model, field_name, group_id, read, write, create, delete, is_active in rows
        if to_bool(is_active)
    ]
