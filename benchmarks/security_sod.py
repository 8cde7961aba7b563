"""SoD analysis of a generated Tryton-shaped access snapshot (issue 12, scale).

    .venv/bin/python benchmarks/security_sod.py [--users 10000 --roles 1000 --groups 500
                                                 --models 300 --risks 60 --seed 1]

Builds, in memory, a snapshot document shaped like Tryton's (groups with parents, roles of 2-6
groups, users with 1-3 roles and some direct groups, role validity dates, a no-group row plus
group rows per model, buttons with and without groups, menus, 5 administrators, 20 inactive
groups) and a rule set of 60 risks over 40 functions of 3 permissions each (model operations,
buttons, menus, groups). Times the whole analysis the product runs per snapshot (index the
document, holders of every permission, conflicts with the path of each side, administrators,
conflicting roles and groups) and reports peak RSS of this process (no Django loaded).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from erpkeeper.security.evaluation import AccessModel  # noqa: E402
from erpkeeper.security.sod.analysis import analyse  # noqa: E402
from erpkeeper.security.sod.rules import Function, Permission, Risk, RuleSet  # noqa: E402

OPS = ("read", "write", "create", "delete")
PROCESSES = (
    "procure-to-pay",
    "order-to-cash",
    "record-to-report",
    "inventory",
    "user-administration",
)
SEVERITIES = ("low", "medium", "high", "critical")


def generate(users: int, roles: int, groups: int, models: int, seed: int) -> dict:
    rng = random.Random(seed)
    group_rows = [
        {
            "id": g,
            "name": f"Group {g}",
            "xml_id": f"mod{g % 40}.group_{g}",
            "parent": rng.randrange(1, g) if g > 10 and rng.random() < 0.4 else None,
            "active": g % 25 != 0,
        }
        for g in range(1, groups + 1)
    ]
    role_rows = [
        {
            "id": r,
            "name": f"Role {r}",
            "groups": rng.sample(range(1, groups + 1), rng.randint(2, 6)),
        }
        for r in range(1, roles + 1)
    ]
    user_rows, memberships = [], []
    for u in range(1, users + 1):
        user_rows.append(
            {
                "id": u,
                "login": f"user{u}",
                "name": f"User {u}",
                "active": rng.random() > 0.05,
                "admin": u <= 5,
                "created": None,
            }
        )
        for role in rng.sample(range(1, roles + 1), rng.randint(1, 3)):
            ending = (
                "2030-01-01T00:00:00+00:00" if rng.random() < 0.9 else "2020-01-01T00:00:00+00:00"
            )
            for group in role_rows[role - 1]["groups"]:
                memberships.append(
                    {
                        "user": u,
                        "group": group,
                        "role": role,
                        "from": "2024-01-01T00:00:00+00:00",
                        "to": ending,
                    }
                )
        for group in rng.sample(range(1, groups + 1), rng.randint(0, 2)):
            memberships.append({"user": u, "group": group, "role": None, "from": None, "to": None})
    model_names = [f"app{m % 30}.model{m}" for m in range(models)]
    access, buttons, button_groups = [], [], []
    for index, model in enumerate(model_names):
        if index % 10:  # most models: a no-group row denying, then group rows
            access.append({"model": model, "group": None, "perms": "" if index % 3 else "r"})
        for group in rng.sample(range(1, groups + 1), rng.randint(2, 8)):
            access.append(
                {"model": model, "group": group, "perms": rng.choice(("r", "rw", "rwc", "rwcd"))}
            )
        for b in range(3):
            button_id = index * 3 + b + 1
            buttons.append({"id": button_id, "model": model, "name": f"button{b}"})
            if b == 2:
                button_groups += [[button_id, g] for g in rng.sample(range(1, groups + 1), 2)]
    menus = [
        {"id": m, "parent": (m - 1) // 5 if m > 5 else None, "path": f"Menu {m}"}
        for m in range(1, 201)
    ]
    menu_groups = [[m, rng.randrange(1, groups + 1)] for m in range(1, 201) if m % 4 == 0]
    return {
        "format": 1,
        "erp_kind": "tryton",
        "users": user_rows,
        "groups": group_rows,
        "roles": role_rows,
        "memberships": memberships,
        "model_access": access,
        "models": model_names,
        "model_parents": {},
        "model_defaults": {},
        "menus": menus,
        "menu_groups": menu_groups,
        "buttons": buttons,
        "button_groups": button_groups,
        "button_rules": [{"button": 3, "number_user": 2, "group": None, "description": ""}],
        "record_rules": [],
        "api_keys": [],
        "field_access": [],
    }


def ruleset(document: dict, risks: int, seed: int) -> RuleSet:
    rng = random.Random(seed + 1)
    models = document["models"]
    functions = {}
    for f in range(40):
        permissions = []
        for _ in range(3):
            kind = rng.choice(("model", "model", "button", "menu", "group"))
            model = rng.choice(models)
            if kind == "model":
                permissions.append(Permission("model", model=model, operation=rng.choice(OPS[1:])))
            elif kind == "button":
                permissions.append(
                    Permission("button", model=model, button=f"button{rng.randrange(3)}")
                )
            elif kind == "menu":
                permissions.append(Permission("menu", menu=f"Menu {rng.randrange(1, 201)}"))
            else:
                permissions.append(
                    Permission("group", group=f"mod1.group_{rng.randrange(1, 40) * 40 + 1}")
                )
        functions[f"F{f}"] = Function(f"F{f}", {"en": f"function {f}"}, "", tuple(permissions))
    risk_rows = {}
    for r in range(risks):
        chosen = tuple(rng.sample(sorted(functions), 2 if r % 5 else 3))
        risk_rows[f"R{r}"] = Risk(
            f"R{r}",
            {"en": f"risk {r}"},
            rng.choice(SEVERITIES),
            rng.choice(PROCESSES),
            chosen,
            2,
            {"en": "generated"},
        )
    return RuleSet("bench", 1, "tryton", functions, risk_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=1_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--models", type=int, default=300)
    parser.add_argument("--risks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    document = generate(args.users, args.roles, args.groups, args.models, args.seed)
    rules = ruleset(document, args.risks, args.seed)
    print(
        f"document: {len(document['users'])} users, {len(document['roles'])} roles, "
        f"{len(document['groups'])} groups, {len(document['models'])} models, "
        f"{len(document['memberships'])} memberships, {len(document['model_access'])} access rows"
    )
    started = time.perf_counter()
    access = AccessModel(document)
    indexed = time.perf_counter()
    result = analyse(rules, access)
    finished = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"index {indexed - started:.2f} s, analysis {finished - indexed:.2f} s, "
        f"total {finished - started:.2f} s (target under 5 s)"
    )
    print(
        f"{len(result.conflicts)} conflicts of {result.users_in_conflict()} users, "
        f"{len(result.administrators)} administrators, {len(result.roles)} conflicting roles, "
        f"{len(result.groups)} conflicting groups, {len(result.risks)} risks applied"
    )
    print(f"peak RSS {peak_mb:.0f} MB (target under 500 MB)")
    counted = time.perf_counter()
    analyse(rules, AccessModel(document), with_paths=False, entities=False)
    print(f"counts only (no paths, no roles/groups): {time.perf_counter() - counted:.2f} s")


if __name__ == "__main__":
    main()
