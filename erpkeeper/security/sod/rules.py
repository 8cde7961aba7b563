"""SoD rule sets: a YAML text, checked against a small schema, read into plain objects.

    ruleset: tryton-standard        # a name
    version: 3                      # a whole number; a newer text of the same name has a larger one
    erp: tryton
    functions:
      PURCHASE_CONFIRM:             # an id: letters, digits, _ and -
        name: {en: Confirm purchases, zh-Hans: 确认采购订单}
        process: procure-to-pay
        permissions:                # holding ANY one of them gives the function
          - {model: purchase.purchase, operation: create}
          - {model: purchase.purchase, button: confirm}
          - {menu: "Purchase / Purchases"}
          - {group: purchase.group_purchase}        # XML id, or the group's name
    risks:
      P2P-01:
        name: {en: ..., zh-Hans: ...}
        severity: high              # low | medium | high | critical
        process: procure-to-pay
        functions: [PURCHASE_CONFIRM, SUPPLIER_INVOICE_POST]
        min_functions: 2            # how many of them make the conflict (default 2)
        rationale: {en: ..., zh-Hans: ...}

``parse_ruleset(text, source)`` returns a RuleSet or raises RuleSetError whose ``errors`` are
one line each: ``source: path: what is wrong``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

SEVERITIES = ("low", "medium", "high", "critical")
PROCESSES = (
    "procure-to-pay",
    "order-to-cash",
    "record-to-report",
    "inventory",
    "user-administration",
)
OPERATIONS = ("read", "write", "create", "delete")
LANGUAGES = ("en", "zh-Hans")
TOP = "(top)"  # the path of the document itself in messages
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

TOP_KEYS = {
    "ruleset": True,
    "version": True,
    "erp": False,
    "description": False,
    "functions": True,
    "risks": True,
}  # key -> required
FUNCTION_KEYS = {"name": True, "process": False, "permissions": True, "description": False}
RISK_KEYS = {
    "name": True,
    "severity": True,
    "process": True,
    "functions": True,
    "min_functions": False,
    "rationale": True,
}
PERMISSION_KINDS = ("model", "menu", "group")


class RuleSetError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Permission:
    """One ERP permission: ``kind`` is "model" (``model`` + ``operation``), "button"
    (``model`` + ``button``), "menu" (``menu`` path) or "group" (``group``)."""

    kind: str
    model: str = ""
    operation: str = ""
    button: str = ""
    menu: str = ""
    group: str = ""

    @property
    def label(self) -> str:
        if self.kind == "model":
            return f"{self.model} {self.operation}"
        if self.kind == "button":
            return f"{self.model} ▸ {self.button}"
        if self.kind == "menu":
            return f"menu {self.menu}"
        return f"group {self.group}"


@dataclass(frozen=True)
class Function:
    id: str
    name: dict[str, str]
    process: str
    permissions: tuple[Permission, ...]


@dataclass(frozen=True)
class Risk:
    id: str
    name: dict[str, str]
    severity: str
    process: str
    functions: tuple[str, ...]
    min_functions: int
    rationale: dict[str, str]


@dataclass
class RuleSet:
    name: str
    version: int
    erp: str
    functions: dict[str, Function] = field(default_factory=dict)
    risks: dict[str, Risk] = field(default_factory=dict)
    description: str = ""


def text_in(texts: dict[str, str], language: str) -> str:
    """The text in ``language`` ("zh-hans" and "zh-Hans" alike), else English."""
    wanted = (language or "en").lower()
    for key, value in texts.items():
        if key.lower() == wanted:
            return value
    return texts.get("en") or next(iter(texts.values()), "")


def parse_ruleset(text: str, source: str = "<text>") -> RuleSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}: " if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RuleSetError([f"{source}: {line}not valid YAML: {problem}"]) from None
    checker = _Checker(source)
    ruleset = checker.ruleset(data)
    if checker.errors:
        raise RuleSetError(checker.errors)
    return ruleset


class _Checker:
    """Walks the parsed YAML, collecting every error (not only the first) as one line each."""

    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{self.source}: {path}: {message}")

    def mapping(self, value, path: str, keys: dict[str, bool]) -> dict:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, found {_kind(value)}")
            return {}
        for key in value:
            if key not in keys:
                where = key if path == TOP else f"{path}.{key}"
                self.error(where, f"unknown key (expected one of: {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in value:
                self.error(path, f"missing key {key!r}")
        return value

    def ruleset(self, data) -> RuleSet:
        top = self.mapping(data, TOP, TOP_KEYS)
        name = self.text(top.get("ruleset"), "ruleset") if "ruleset" in top else ""
        version = top.get("version", 0)
        if "version" in top and (
            isinstance(version, bool) or not isinstance(version, int) or version < 1
        ):
            self.error("version", f"expected a whole number from 1, found {version!r}")
            version = 0
        ruleset = RuleSet(
            name=name,
            version=version,
            erp=str(top.get("erp") or "tryton"),
            description=str(top.get("description") or ""),
        )
        functions = top.get("functions", {})
        if "functions" in top and not isinstance(functions, dict) or not functions:
            if "functions" in top:
                self.error("functions", "expected a non-empty mapping of function ids")
            functions = {}
        for function_id, body in functions.items():
            function = self.function(str(function_id), body)
            if function is not None:
                ruleset.functions[function.id] = function
        risks = top.get("risks", {})
        if "risks" in top and not isinstance(risks, dict) or not risks:
            if "risks" in top:
                self.error("risks", "expected a non-empty mapping of risk ids")
            risks = {}
        for risk_id, body in risks.items():
            risk = self.risk(str(risk_id), body, set(functions))
            if risk is not None:
                ruleset.risks[risk.id] = risk
        return ruleset

    def text(self, value, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"expected a text, found {_kind(value)}")
            return ""
        return value.strip()

    def identifier(self, value: str, path: str) -> bool:
        if not ID_PATTERN.match(value):
            self.error(path, "an id uses only letters, digits, '_', '.' and '-'")
            return False
        return True

    def translations(self, value, path: str) -> dict[str, str]:
        if isinstance(value, str):
            value = {"en": value}
        body = self.mapping(value, path, dict.fromkeys(LANGUAGES, False))
        if body and "en" not in body:
            self.error(path, "missing the English text 'en'")
        return {key: str(text) for key, text in body.items() if key in LANGUAGES}

    def choice(self, value, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.error(path, f"{value!r} is not one of: {', '.join(choices)}")
            return ""
        return value

    def function(self, function_id: str, body) -> Function | None:
        path = f"functions.{function_id}"
        self.identifier(function_id, path)
        body = self.mapping(body, path, FUNCTION_KEYS)
        if not body:
            return None
        process = body.get("process", "")
        if process:
            self.choice(process, f"{path}.process", PROCESSES)
        permissions = body.get("permissions")
        if not isinstance(permissions, list) or not permissions:
            self.error(f"{path}.permissions", "expected a non-empty list")
            permissions = []
        parsed = [
            self.permission(item, f"{path}.permissions[{i}]") for i, item in enumerate(permissions)
        ]
        return Function(
            id=function_id,
            name=self.translations(body.get("name"), f"{path}.name"),
            process=process,
            permissions=tuple(p for p in parsed if p is not None),
        )

    def permission(self, item, path: str) -> Permission | None:
        keys = {"model": False, "operation": False, "button": False, "menu": False, "group": False}
        body = self.mapping(item, path, keys)
        if not body:
            return None
        kinds = [kind for kind in PERMISSION_KINDS if kind in body]
        if len(kinds) != 1:
            self.error(path, "name exactly one of: model (with operation or button), menu, group")
            return None
        kind = kinds[0]
        value = self.text(body[kind], f"{path}.{kind}")
        if kind != "model":
            extra = {"operation", "button"} & set(body)
            if extra:
                self.error(path, f"{', '.join(sorted(extra))} belongs with a model, not a {kind}")
            return Permission(kind, **{kind: value})
        if ("operation" in body) == ("button" in body):
            self.error(path, "a model permission names either an operation or a button")
            return None
        if "button" in body:
            return Permission(
                "button", model=value, button=self.text(body["button"], f"{path}.button")
            )
        operation = self.choice(body["operation"], f"{path}.operation", OPERATIONS)
        return Permission("model", model=value, operation=operation)

    def risk(self, risk_id: str, body, function_ids: set) -> Risk | None:
        path = f"risks.{risk_id}"
        self.identifier(risk_id, path)
        body = self.mapping(body, path, RISK_KEYS)
        if not body:
            return None
        functions = body.get("functions")
        if not isinstance(functions, list) or len(functions) < 2:
            self.error(f"{path}.functions", "expected a list of two or more function ids")
            functions = []
        for name in functions:
            if name not in function_ids:
                self.error(f"{path}.functions", f"unknown function {name!r}")
        if len(set(functions)) != len(functions):
            self.error(f"{path}.functions", "a function is listed twice")
        minimum = body.get("min_functions", 2)
        if (
            isinstance(minimum, bool)
            or not isinstance(minimum, int)
            or not (2 <= minimum <= max(len(functions), 2))
        ):
            self.error(
                f"{path}.min_functions",
                f"expected a whole number from 2 to the number of functions, found {minimum!r}",
            )
            minimum = 2
        return Risk(
            id=risk_id,
            name=self.translations(body.get("name"), f"{path}.name"),
            severity=self.choice(body.get("severity"), f"{path}.severity", SEVERITIES),
            process=self.choice(body.get("process"), f"{path}.process", PROCESSES),
            functions=tuple(str(f) for f in functions),
            min_functions=minimum,
            rationale=self.translations(body.get("rationale"), f"{path}.rationale"),
        )


def _kind(value) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "a text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
