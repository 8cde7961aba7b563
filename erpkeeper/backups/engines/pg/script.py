"""Reading pg_dump's plain-format SQL scripts: their TOC items, the session settings in effect
for each item, and the owner and privilege statements that name roles a destination lacks.

pg_dump precedes each item with a comment block::

    --
    -- Name: account_move account_move_pkey; Type: CONSTRAINT; Schema: public; Owner: tryton
    --

and writes session settings (``SET default_tablespace = '';``) between items when they change,
so an item run on another connection needs the settings that were in effect where it starts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from erpkeeper.lib.i18n import gettext as _

HEADER_RULE = b"--\n"
HEADER = re.compile(
    rb"-- (?:Data for )?Name: (.*); Type: ([A-Z][A-Z ]*); Schema: (.*); Owner: (.*)\n"
)
SESSION_SETTING = re.compile(
    rb"(?:SET ([a-z_]+) = .*|SELECT pg_catalog\.set_config\('([a-z_]+)', .*\));\n"
)
# pg_dump 15.14+ protects psql from a hostile server with \restrict; psql handles it, a plain
# connection must not see it.
PSQL_META = re.compile(rb"^\\(?:un)?restrict \S+\n", re.MULTILINE)

IDENTIFIER = rb'(?:"(?:[^"]|"")+"|[^\s".,;()]+)'


def unquote(identifier: bytes) -> str:
    if identifier.startswith(b'"'):
        identifier = identifier[1:-1].replace(b'""', b'"')
    return identifier.decode("utf-8", "replace")


@dataclass
class TocItem:
    kind: str  # "INDEX", "FK CONSTRAINT" ...; "" for the script's preamble
    name: str
    settings: dict[str, bytes]  # session settings in effect where the item starts
    lines: list[bytes] = field(default_factory=list)

    @property
    def text(self) -> bytes:
        return b"".join(self.lines)

    def label(self) -> str:
        return f"{self.kind} {self.name}".strip()


def lines_of(blocks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for block in blocks:
        *complete, rest = (rest + block).split(b"\n")
        for line in complete:
            yield line + b"\n"
    if rest:
        yield rest


def toc_items(blocks: Iterable[bytes]) -> Iterator[TocItem]:
    """The script's items in order, the preamble first; each holds its text verbatim."""
    settings: dict[str, bytes] = {}
    item = TocItem("", "", {})
    held: list[bytes] = []  # the first lines of what may be a header
    for line in lines_of(blocks):
        if not held and line == HEADER_RULE:
            held.append(line)
            continue
        if len(held) == 1 and HEADER.fullmatch(line):
            held.append(line)
            continue
        if len(held) == 2 and line == HEADER_RULE:
            yield item
            name, kind = HEADER.fullmatch(held[1]).group(1, 2)
            item = TocItem(kind.decode(), name.decode("utf-8", "replace"), dict(settings))
            item.lines.extend([*held, line])
            held.clear()
            continue
        item.lines.extend(held)
        held.clear()
        if line == HEADER_RULE:
            held.append(line)
            continue
        item.lines.append(line)
        if setting := SESSION_SETTING.fullmatch(line):
            settings[(setting.group(1) or setting.group(2)).decode()] = line
    item.lines.extend(held)
    yield item


OWNER_STATEMENT = re.compile(rb"ALTER [A-Z ]+ .* OWNER TO (" + IDENTIFIER + rb");\n")
GRANT_STATEMENT = re.compile(
    rb"(?:GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) .* (?:TO|FROM) ("
    + IDENTIFIER
    + rb")(?: WITH GRANT OPTION)?;\n"
)
# pg_dump switches to the grantor of a privilege it did not get from the owner.
SESSION_AUTHORIZATION = re.compile(rb"SET SESSION AUTHORIZATION (" + IDENTIFIER + rb");\n")
FOR_ROLE = re.compile(rb"ALTER DEFAULT PRIVILEGES FOR ROLE (" + IDENTIFIER + rb") ")
ACL_KINDS = {"ACL", "DEFAULT ACL"}
TRAILER = re.compile(rb"\n|--.*\n|\\(?:un)?restrict \S+\n")


class RoleFilter:
    """Drops the statements a destination cannot run because of roles: an owner change to a
    role that is missing (or that the restoring role may not act as), a grant to a missing role.
    The objects then stay owned by the restoring role; what was dropped is counted per role.
    """

    def __init__(self, existing: set[str], actable: set[str], superuser: bool):
        self.existing = existing | {"PUBLIC"}
        self.actable = actable
        self.superuser = superuser
        self.owners_skipped: Counter[str] = Counter()
        self.grants_skipped: Counter[str] = Counter()

    def apply(self, item: TocItem) -> TocItem:
        if item.kind in ACL_KINDS:
            item.lines = [line for line in item.lines if self._keep_privilege(line)]
        else:
            self._drop_owner_change(item)
        return item

    def _drop_owner_change(self, item: TocItem) -> None:
        # pg_dump writes the owner change last in the item, after the definition (which may be a
        # function body containing anything), followed only by blank lines and settings.
        for index in range(len(item.lines) - 1, 0, -1):
            line = item.lines[index]
            if TRAILER.fullmatch(line) or SESSION_SETTING.fullmatch(line):
                continue
            owner = OWNER_STATEMENT.fullmatch(line)
            if owner and unquote(owner.group(1)) not in self.actable:
                self.owners_skipped[unquote(owner.group(1))] += 1
                del item.lines[index]
            return

    def _keep_privilege(self, line: bytes) -> bool:
        role = self._unusable_role(line)
        if role is not None:
            self.grants_skipped[role] += 1
        return role is None

    def _unusable_role(self, line: bytes) -> str | None:
        if session := SESSION_AUTHORIZATION.fullmatch(line):
            role = unquote(session.group(1))
            return None if self.superuser and role in self.existing else role
        if (acting := FOR_ROLE.match(line)) and unquote(acting.group(1)) not in self.actable:
            return unquote(acting.group(1))
        if (grant := GRANT_STATEMENT.fullmatch(line)) and unquote(
            grant.group(1)
        ) not in self.existing:
            return unquote(grant.group(1))
        return None

    def warnings(self) -> list[str]:
        return [
            _(
                "role %(role)s is missing on the destination or the restoring role may not act "
                "as it: %(owned)d objects are owned by the restoring role instead, "
                "%(grants)d privilege statements were skipped"
            )
            % {
                "role": role,
                "owned": self.owners_skipped[role],
                "grants": self.grants_skipped[role],
            }
            for role in sorted(set(self.owners_skipped) | set(self.grants_skipped))
        ]


def executable(item: TocItem) -> bytes:
    """The item's SQL for a plain connection (not psql)."""
    return PSQL_META.sub(b"", item.text)
