"""Verifying the hash chain: names every entry that was altered, inserted or deleted."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from erpkeeper.core.audit.recording import GENESIS_HASH, HASHED_FIELDS, entry_hash, hashed_fields
from erpkeeper.core.models import AuditEntry

# --- verifying the chain ---------------------------------------------------------------------


@dataclass
class Problem:
    kind: str  # altered | missing | inserted | broken | renumbered | anchor
    sequence: int
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "sequence": self.sequence, "message": self.message}


@dataclass
class VerifyResult:
    checked: int = 0
    head_sequence: int | None = None
    head_hash: str = GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # not kept, to bound memory

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    def summary(self) -> str:
        if self.ok:
            return _("The audit trail is intact: %(count)d entries checked.") % {
                "count": self.checked
            }
        total = len(self.problems) + self.more_problems
        return _(
            "The audit trail was tampered with: %(problems)d problems in %(count)d entries."
        ) % {
            "problems": total,
            "count": self.checked,
        }

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": {"sequence": self.head_sequence, "hash": self.head_hash},
            "summary": self.summary(),
            "problems": [p.as_dict() for p in self.problems],
            "more_problems": self.more_problems,
        }


@dataclass
class _Link:
    position: int  # in walk order; -1 is the genesis
    sequence: int  # as stored
    original: int  # the sequence the entry was hashed with
    hash: str


class _Verifier:
    """One pass in sequence order, remembering only a window of recent hashes."""

    SEARCH = 64  # how far a renumbered entry's original sequence is looked for

    def __init__(self, window: int, max_problems: int):
        self.result = VerifyResult()
        self.max_problems = max_problems
        genesis = _Link(-1, 0, 0, GENESIS_HASH)
        self.recent: deque[_Link] = deque([genesis], maxlen=window)
        self.by_hash: dict[str, _Link] = {GENESIS_HASH: genesis}
        self.last = genesis  # the last entry that belongs to the chain
        self.shift = 0  # stored sequence minus original sequence
        self.pending: tuple[_Link, _Link] | None = None  # (entry, its predecessor) unexplained

    def report(self, kind: str, sequence: int, message: str) -> None:
        if len(self.result.problems) < self.max_problems:
            self.result.problems.append(Problem(kind, sequence, message))
        else:
            self.result.more_problems += 1

    def feed(self, position: int, row: dict) -> None:
        self.result.checked += 1
        sequence = row["sequence"]
        original = self.original_sequence(row)
        if original is None:
            original = sequence - self.shift
            self.report("altered", sequence, _("entry #%(n)d was altered") % {"n": sequence})
        elif sequence - original != self.shift:
            self.shift = sequence - original
            self.report(
                "renumbered",
                sequence,
                _("entries from #%(n)d on were renumbered (this one was #%(was)d)")
                % {"n": sequence, "was": original},
            )
        link = _Link(position, sequence, original, row["hash"])
        self.link(link, row["prev_hash"])
        self.remember(link)

    def original_sequence(self, row: dict) -> int | None:
        sequence = row["sequence"]
        fields = hashed_fields(row)
        candidates = [sequence, sequence - self.shift]
        candidates += [sequence + d for k in range(1, self.SEARCH) for d in (-k, k)]
        for candidate in dict.fromkeys(candidates):
            fields["sequence"] = candidate
            if candidate >= 0 and entry_hash(row["prev_hash"], fields) == row["hash"]:
                return candidate
        return None

    def link(self, link: _Link, prev_hash: str) -> None:
        if self.pending is not None:
            self.resolve_pending(link, prev_hash)
        if prev_hash == self.last.hash:
            self.last = link
            return
        earlier = self.by_hash.get(prev_hash)
        if earlier is not None and earlier.position < self.last.position:
            # This entry links to an older one: the entries in between are not in the chain.
            for other in self.recent:
                if earlier.position < other.position:
                    self.report_inserted(other.sequence)
            self.report_missing(earlier.original, link.original)
            self.last = link
            return
        if link.original > self.last.original + 1:
            self.report_missing(self.last.original, link.original)
        else:
            self.pending = (link, self.last)
        self.last = link

    def resolve_pending(self, link: _Link, prev_hash: str) -> None:
        entry, before = self.pending
        self.pending = None
        if prev_hash == entry.hash:
            # ``entry`` is in the chain after all: the one before it no longer has the hash that
            # ``entry`` recorded.
            if not self.has_problem(before.sequence, "altered"):
                self.report(
                    "altered",
                    before.sequence,
                    _("entry #%(n)d was altered (its hash was recomputed)")
                    % {"n": before.sequence},
                )
        elif prev_hash != before.hash:
            self.report_broken(entry, before)
        # else: ``link`` continues from ``before``: link() reports ``entry`` as inserted.

    def report_inserted(self, sequence: int) -> None:
        self.result.problems = [
            p for p in self.result.problems if not (p.sequence == sequence and p.kind == "altered")
        ]
        self.report("inserted", sequence, _("entry #%(n)d was inserted") % {"n": sequence})

    def report_missing(self, after_original: int, original: int) -> None:
        first, last = after_original + 1, original - 1
        if first > last:
            return
        if first == last:
            message = _("entry #%(n)d is missing (deleted)") % {"n": first}
        else:
            message = _("entries #%(first)d to #%(last)d are missing (deleted)") % {
                "first": first,
                "last": last,
            }
        self.report("missing", first, message)

    def report_broken(self, entry: _Link, before: _Link) -> None:
        self.report(
            "broken",
            entry.sequence,
            _(
                "entry #%(n)d does not link to #%(m)d: it was inserted, or #%(m)d was altered "
                "and its hash recomputed"
            )
            % {"n": entry.sequence, "m": before.sequence},
        )

    def has_problem(self, sequence: int, kind: str) -> bool:
        return any(p.sequence == sequence and p.kind == kind for p in self.result.problems)

    def remember(self, link: _Link) -> None:
        if len(self.recent) == self.recent.maxlen:
            oldest = self.recent[0]
            if self.by_hash.get(oldest.hash) is oldest:
                del self.by_hash[oldest.hash]
        self.recent.append(link)
        self.by_hash[link.hash] = link
        self.result.head_sequence, self.result.head_hash = link.sequence, link.hash

    def finish(self) -> VerifyResult:
        if self.pending is not None:
            self.report_broken(*self.pending)
        self.result.problems.sort(key=lambda problem: problem.sequence)
        return self.result


_VERIFY_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")


def verify(
    *,
    using: str | None = None,
    anchor: tuple[int, str] | None = None,
    chunk_size: int = 2000,
    window: int = 10_000,
    max_problems: int = 1000,
) -> VerifyResult:
    """Walk the whole chain in sequence order and name every altered, inserted or missing entry.

    ``anchor`` is a (sequence, hash) pair recorded elsewhere earlier (e.g. from a previous
    verify's head): it must still be in the chain, unchanged. Without anchors, entries removed
    from the end of the chain cannot be noticed.
    """

    verifier = _Verifier(window, max_problems)
    rows = AuditEntry.objects.using(using or "default").order_by("sequence")
    anchor_seen = False
    for position, values in enumerate(
        rows.values_list(*_VERIFY_COLUMNS).iterator(chunk_size=chunk_size)
    ):
        row = dict(zip(_VERIFY_COLUMNS, values, strict=True))
        verifier.feed(position, row)
        if anchor is not None and row["sequence"] == anchor[0]:
            anchor_seen = True
            if row["hash"] != anchor[1]:
                verifier.report(
                    "anchor",
                    anchor[0],
                    _("entry #%(n)d does not have the anchored hash") % {"n": anchor[0]},
                )
    if anchor is not None and not anchor_seen:
        verifier.report(
            "anchor", anchor[0], _("anchored entry #%(n)d is missing") % {"n": anchor[0]}
        )
    return verifier.finish()
