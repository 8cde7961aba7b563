"""Checks that matter in Tryton modules, as an AST visitor (no regular expressions):

- ``tryton.n_plus_one``: ``search``/``browse``/``read``/``search_read``/``search_count`` on a
  model, a model instantiated (``Sale(...)``) or a record saved one by one (``record.save()``)
  inside a ``for`` loop or a comprehension: one query per record where one query for all of
  them would do;
- ``tryton.commit``: ``Transaction().commit()`` in module code (the framework commits; a commit
  in the middle of a request leaves half a change behind when the rest fails);
- ``tryton.sql_concat``: a SQL string built by concatenation, ``%``, ``.format()`` or an f-string
  handed to ``cursor.execute`` (SQL injection risk; python-sql or parameters are the fix).

A model is a name bound to ``pool.get(...)``/``Pool().get(...)``, or ``cls``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

QUERY_METHODS = {"search", "browse", "read", "search_read", "search_count"}


@dataclass(frozen=True)
class Hit:
    check: str
    line: int
    detail: str


def _is_pool_get(node) -> bool:
    """``pool.get('x')``, ``Pool().get('x')``, ``self.pool.get('x')``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and (
            (isinstance(node.func.value, ast.Name) and node.func.value.id.lower() == "pool")
            or (
                isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "Pool"
            )
            or (isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "pool")
        )
    )


def _is_transaction(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Transaction"
    )


def _builds_string(node) -> bool:
    """A string put together at run time: ``a + b``, ``a % b``, ``'...'.format()``, f'{x}'."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(value, ast.FormattedValue) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _has_string(node.left) or _has_string(node.right) or _builds_string(node.left)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _has_string(node.func.value)
    )


def _has_string(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


class TrytonVisitor(ast.NodeVisitor):
    """Walks one file; ``hits`` lists what it found. Names are tracked per function."""

    def __init__(self):
        self.hits: list[Hit] = []
        self._scopes: list[dict] = [self._new_scope()]
        self._loops = 0

    @staticmethod
    def _new_scope() -> dict:
        return {"models": {"cls"}, "transactions": set(), "sql": set()}

    @property
    def _scope(self) -> dict:
        return self._scopes[-1]

    def visit_FunctionDef(self, node):
        self._scopes.append(self._new_scope())
        loops, self._loops = self._loops, 0
        self.generic_visit(node)
        self._loops = loops
        self._scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._remember(target.id, node.value)
        self.generic_visit(node)

    def _remember(self, name: str, value) -> None:
        scope = self._scope
        for kind in ("models", "transactions", "sql"):
            scope[kind].discard(name)
        if _is_pool_get(value):
            scope["models"].add(name)
        elif _is_transaction(value):
            scope["transactions"].add(name)
        elif _builds_string(value):
            scope["sql"].add(name)

    def visit_For(self, node):
        self.visit(node.target)
        self.visit(node.iter)
        self._loops += 1
        for statement in node.body:
            self.visit(statement)
        self._loops -= 1
        for statement in node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def _visit_comprehension(self, node):
        """``[Model.browse(i) for i in ids]`` is a loop too."""
        for generator in node.generators:
            self.visit(generator.iter)
        self._loops += 1
        for generator in node.generators:
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.visit(part)
        self._loops -= 1

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_Call(self, node):
        self._check_loop_call(node)
        self._check_commit(node)
        self._check_execute(node)
        self.generic_visit(node)

    def _is_model(self, node) -> bool:
        return (isinstance(node, ast.Name) and node.id in self._scope["models"]) or _is_pool_get(
            node
        )

    def _check_loop_call(self, node) -> None:
        if not self._loops:
            return
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in QUERY_METHODS and self._is_model(func.value):
                self._hit("tryton.n_plus_one", node, f"{_name(func.value)}.{func.attr}()")
            elif func.attr == "save" and not node.args and not node.keywords:
                self._hit("tryton.n_plus_one", node, f"{_name(func.value)}.save()")
        elif isinstance(func, ast.Name) and func.id in self._scope["models"] and func.id != "cls":
            self._hit("tryton.n_plus_one", node, f"{func.id}(...)")

    def _check_commit(self, node) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "commit"):
            return
        receiver = func.value
        if _is_transaction(receiver) or (
            isinstance(receiver, ast.Name) and receiver.id in self._scope["transactions"]
        ):
            self._hit("tryton.commit", node, "Transaction().commit()")

    def _check_execute(self, node) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "execute" and node.args):
            return
        query = node.args[0]
        built = _builds_string(query) or (
            isinstance(query, ast.Name) and query.id in self._scope["sql"]
        )
        if built:
            self._hit("tryton.sql_concat", node, f"{_name(func.value)}.execute(...)")

    def _hit(self, check: str, node, detail: str) -> None:
        self.hits.append(Hit(check, node.lineno, detail))


def _name(node) -> str:
    try:
        return ast.unparse(node)[:60]
    except Exception:  # noqa: BLE001 - a name for the message only
        return "?"


def tryton_hits(tree: ast.AST) -> list[Hit]:
    visitor = TrytonVisitor()
    visitor.visit(tree)
    return visitor.hits
