"""Framework libraries in CISO Assistant's YAML format: parse and validate, never write.

A library file looks like this (only the keys read here; others, such as ``copyright``,
``packager``, ``reference_controls`` or ``requirement_mapping_sets``, are allowed and ignored)::

    urn: urn:erpkeeper:risk:library:cn-pipl-2021
    locale: en                       # the language of the plain name/description fields
    ref_id: PIPL
    name: Personal Information Protection Law
    description: ...
    version: 1                       # an integer; a newer version of a loaded one updates it
    provider: NPC
    translations: {zh: {name: 个人信息保护法, description: ...}}
    objects:
      framework:
        urn: urn:erpkeeper:risk:framework:cn-pipl-2021
        ref_id: PIPL
        name: ...
        requirement_nodes:
          - urn: urn:erpkeeper:risk:req_node:cn-pipl-2021:ch5
            depth: 1
            assessable: false
            name: ...
          - urn: urn:erpkeeper:risk:req_node:cn-pipl-2021:art-51
            parent_urn: urn:erpkeeper:risk:req_node:cn-pipl-2021:ch5
            depth: 2
            ref_id: Art. 51
            assessable: true
            name: ...
            translations: {zh: {name: ..., description: ...}}

Every problem is reported with the line it is on and the field it concerns; a file with any
problem yields no ``Library`` at all (``LibraryInvalid`` with the whole list), so nothing is
ever half-loaded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

import yaml

LANGUAGES = ("zh", "en")
LOCALE = re.compile(r"^[a-z]{2,3}([-_][a-z0-9]{2,8})*$")
URN = re.compile(r"^urn:[a-z0-9][a-z0-9_.:\-/]*$", re.IGNORECASE)
MAX_NODES = 5000  # the largest CISO Assistant framework has about 1,300 nodes
TEXT_LIMIT = 10000


class LibraryInvalid(Exception):
    """The file is not a loadable library; ``problems`` are "line N: field: what" lines."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Texts:
    """A name and description in both languages (empty when the file gives neither)."""

    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class Node:
    urn: str
    ref_id: str
    parent_urn: str
    depth: int
    assessable: bool
    texts: Texts
    order: int


@dataclass(frozen=True)
class Library:
    urn: str
    framework_urn: str
    ref_id: str
    version: int
    locale: str
    provider: str
    texts: Texts
    nodes: list[Node] = field(default_factory=list)
    sha256: str = ""


class _LineDict(dict):
    """A YAML mapping that remembers the line it starts on and each key's line (1-based)."""

    line = 0
    lines: dict = {}


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no tags, no objects) with line numbers on mappings."""


def _line_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = _LineDict()
    data.line = node.start_mark.line + 1
    data.lines = {key.value: key.start_mark.line + 1 for key, _value in node.value}
    yield data
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _line_mapping)


class _Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, where: _LineDict | None, path: str, message: str) -> None:
        key = path.rsplit(".", 1)[-1]
        line = getattr(where, "lines", {}).get(key) or getattr(where, "line", 0)
        self.items.append(f"line {line}: {path}: {message}" if line else f"{path}: {message}")


def parse_library(text: str | bytes) -> Library:
    """The library in ``text``, validated; ``LibraryInvalid`` listing every problem."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    data = _load_yaml(raw)
    problems = _Problems()
    library = _read_library(data, problems)
    if problems.items:
        raise LibraryInvalid(problems.items)
    return replace(library, sha256=hashlib.sha256(raw).hexdigest())


def _load_yaml(raw: bytes):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LibraryInvalid([f"the file is not UTF-8 text (byte {exc.start})"]) from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise LibraryInvalid([f"{where}not valid YAML: {reason}"]) from None
    if not isinstance(data, dict):
        raise LibraryInvalid(["the file is not a library: expected a mapping with urn, objects"])
    return data


def _read_library(data: _LineDict, problems: _Problems) -> Library:
    urn = _urn(data, "urn", "", problems)
    locale = (_text(data, "locale", "", problems, required=False) or "en").lower()
    if not LOCALE.match(locale):
        problems.add(data, "locale", f"{locale!r} is not a language code such as en, zh, fr")
        locale = "en"
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.add(data, "version", f"must be a whole number from 1, not {version!r}")
        version = 1
    framework = _framework(data, problems)
    nodes = _nodes(framework, locale, problems) if framework is not None else []
    return Library(
        urn=urn,
        framework_urn=_urn(framework, "urn", "objects.framework.", problems) if framework else "",
        ref_id=_text(data, "ref_id", "", problems, required=True),
        version=version,
        locale=locale,
        provider=_text(data, "provider", "", problems, required=False),
        texts=_texts(framework or data, locale, "", problems, fallback=data),
        nodes=nodes,
    )


def _framework(data: _LineDict, problems: _Problems) -> _LineDict | None:
    objects = data.get("objects")
    if not isinstance(objects, dict):
        problems.add(data, "objects", "missing: a library holds its framework under objects")
        return None
    framework = objects.get("framework")
    if framework is None:
        found = ", ".join(sorted(objects)) or "nothing"
        problems.add(objects, "objects.framework", f"missing (this library holds {found})")
        return None
    if not isinstance(framework, dict):
        problems.add(objects, "objects.framework", "must be a mapping")
        return None
    return framework


def _nodes(framework: _LineDict, locale: str, problems: _Problems) -> list[Node]:
    raw = framework.get("requirement_nodes")
    if not isinstance(raw, list) or not raw:
        problems.add(framework, "objects.framework.requirement_nodes", "missing or empty")
        return []
    if len(raw) > MAX_NODES:
        problems.add(framework, "requirement_nodes", f"more than {MAX_NODES} nodes")
        return []
    nodes: list[Node] = []
    depths: dict[str, int] = {}
    for index, item in enumerate(raw):
        path = f"requirement_nodes[{index}]"
        if not isinstance(item, dict):
            problems.add(framework, path, "must be a mapping with urn and name")
            continue
        node = _node(item, path, index, locale, depths, problems)
        if node is not None:
            depths[node.urn] = node.depth
            nodes.append(node)
    return nodes


def _node(item, path, index, locale, depths, problems) -> Node | None:
    urn = _urn(item, "urn", f"{path}.", problems)
    if urn in depths:
        problems.add(item, f"{path}.urn", f"{urn} appears twice")
        return None
    parent = item.get("parent_urn") or ""
    if parent and parent not in depths:
        problems.add(item, f"{path}.parent_urn", f"{parent} is not an earlier node of this file")
        parent = ""
    depth = item.get("depth", depths.get(parent, 0) + 1)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        problems.add(item, f"{path}.depth", f"must be a whole number from 1, not {depth!r}")
        depth = 1
    elif parent and depth != depths[parent] + 1:
        problems.add(
            item, f"{path}.depth", f"is {depth} but its parent's depth is {depths[parent]}"
        )
    assessable = item.get("assessable", False)
    if not isinstance(assessable, bool):
        problems.add(item, f"{path}.assessable", f"must be true or false, not {assessable!r}")
        assessable = False
    texts = _texts(item, locale, f"{path}.", problems)
    ref_id = _text(item, "ref_id", f"{path}.", problems, required=False)
    named = texts.name_zh or texts.name_en or texts.description_zh or texts.description_en
    if not named and not ref_id:
        problems.add(item, path, "needs a name, a description or a ref_id")
    return Node(urn, ref_id, parent, depth, assessable, texts, index)


def _texts(item, locale, prefix, problems, fallback=None) -> Texts:
    """Name and description in zh and en from ``translations`` and from the plain fields
    (written in ``locale``; a French library's plain texts stand in for a missing English)."""
    plain = {kind: _text(item, kind, prefix, problems) for kind in _KINDS}
    if fallback is not None:
        plain = {kind: plain[kind] or _text(fallback, kind, "", problems) for kind in _KINDS}
    base = locale.split("-")[0].split("_")[0]
    values = {f"{kind}_{base}": plain[kind] for kind in _KINDS if base in LANGUAGES}
    translations = item.get("translations") or (fallback or {}).get("translations") or {}
    if not isinstance(translations, dict):
        problems.add(item, f"{prefix}translations", "must be a mapping of language to texts")
        translations = {}
    for language, given in translations.items():
        if language not in LANGUAGES:
            continue  # CISO Assistant libraries carry fr, de, ...: not shown here
        if not isinstance(given, dict):
            problems.add(item, f"{prefix}translations.{language}", "must be a mapping")
            continue
        for kind in _KINDS:
            text = _text(given, kind, f"{prefix}translations.{language}.", problems)
            if text and not values.get(f"{kind}_{language}"):
                values[f"{kind}_{language}"] = text
    for kind in _KINDS:
        if not values.get(f"{kind}_en") and not values.get(f"{kind}_zh"):
            values[f"{kind}_en"] = plain[kind]
    return Texts(**{key: value for key, value in values.items() if value})


_KINDS = ("name", "description")


def _text(item, key, prefix, problems, required=False) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            problems.add(item, f"{prefix}{key}", "missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(item, f"{prefix}{key}", "must be text")
        return ""
    text = str(value).strip()
    if len(text) > TEXT_LIMIT:
        problems.add(item, f"{prefix}{key}", f"longer than {TEXT_LIMIT} characters")
        return ""
    return text


def _urn(item, key, prefix, problems) -> str:
    value = _text(item, key, prefix, problems, required=True)
    if value and not URN.match(value):
        problems.add(item, f"{prefix}{key}", f"{value!r} is not a URN (urn:provider:...)")
    return value.lower()
