"""Audit trail: who changed what, from where, as a hash chain.

Every save and delete of every model (except the few in ``EXCLUDED_APPS``/``EXCLUDED_MODELS``)
appends an ``AuditEntry`` in the same transaction as the change, attributed to the current
``AuditContext``: the request's user (console, API), ``cli:<os user>`` or ``--as USER`` (CLI),
``system:<job kind>`` (jobs) or ``system``. A change that is rolled back leaves no entry.

Entries form a SHA-256 chain ordered by ``sequence``; ``verify()`` names every entry that was
altered, inserted or deleted. See docs/audit.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime as dt
import decimal
import enum
import getpass
import hashlib
import json
import math
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

GENESIS_HASH = "0" * 64
MASK = "********"
# The pg_advisory_xact_lock key that serializes appends across processes.
ADVISORY_LOCK_KEY = int.from_bytes(b"ERPKAUD", "big")

# --- who is acting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None
    actor_name: str
    source: str  # console | api | cli | job | system
    request_id: str = ""
    # When set, the request's user is resolved when an entry is recorded, so a user that DRF
    # authenticates after the middleware ran (API tokens) is still the actor.
    request: Any = field(default=None, compare=False, repr=False)

    def resolved(self) -> AuditContext:
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
            return self
        if user.pk == self.actor_id:
            return self
        return replace(self, actor_id=user.pk, actor_name=user.get_username())


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "erpkeeper_audit_context", default=None
)


def current_context() -> AuditContext:
    context = _context.get()
    return context.resolved() if context is not None else AuditContext(None, "system", "system")


@contextlib.contextmanager
def audit_context(
    actor=None,
    *,
    actor_name: str | None = None,
    source: str,
    request_id: str = "",
    request=None,
):
    """Attribute every change inside the block to ``actor`` (a user) or ``actor_name``.

    Pass ``request`` (the Django ``HttpRequest``) to attribute changes to ``request.user`` as it
    is when each change is recorded.
    """
    name = actor_name or (actor.get_username() if actor is not None else "system")
    context = AuditContext(getattr(actor, "pk", None), name, source, request_id, request)
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def set_request_actor(request, user) -> None:
    """Attribute the rest of this request's changes to ``user`` (e.g. an API token's user).

    Call it inside the request's ``audit_context`` block (opened by AuditActorMiddleware): the
    block restores the previous context when the request ends.
    """
    django_request = getattr(request, "_request", request)
    ambient = _context.get()
    request_id = getattr(django_request, "request_id", "") or (
        ambient.request_id if ambient else ""
    )
    source = ambient.source if ambient is not None else "api"
    _context.set(AuditContext(user.pk, user.get_username(), source, request_id, django_request))


@contextlib.contextmanager
def cli_actor_context(username: str | None, command: str = ""):
    """The CLI acts as ``--as USER`` when given, else as ``cli:<os user>``."""
    actor = None
    if username:
        from django.contrib.auth import get_user_model

        from erpkeeper.cli import EXIT_NOT_FOUND, CommandError

        try:
            actor = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(
                f"no active user {username!r}", EXIT_NOT_FOUND, "not_found"
            ) from None
    name = actor.get_username() if actor else f"cli:{_os_user()}"
    with audit_context(actor, actor_name=name, source="cli"):
        yield


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# --- what is recorded, per model -------------------------------------------------------------

# Bookkeeping of the framework and of the audit trail itself: never recorded.
EXCLUDED_APPS = {"sessions", "contenttypes", "migrations", "axes", "huey", "djhuey"}
EXCLUDED_MODELS = {"core.auditentry", "admin.logentry"}
# Models the project cannot annotate (third-party) or that are annotated here for their owner.
# A model's own ``audit_ignore_fields`` / ``audit_redact`` attributes are merged on top.
_MODEL_OPTIONS: dict[str, dict] = {
    "auth.user": {"redact": {"password": None}, "ignore": {"last_login"}},
    # A job's progress, log and heartbeat are observations of a run; creation, status,
    # result, error and cancellation are recorded.
    "core.job": {
        "ignore": {"progress", "progress_message", "log", "heartbeat", "worker", "task_id"}
    },
}
# Safety net for models that forget ``audit_redact``: these field names are always masked.
_SECRET_WORDS = {"password", "passwd", "passphrase", "secret"}
_SECRET_NAMES = {"key", "token", "api_key", "private_key", "token_hash", "otp_secret"}


@dataclass(frozen=True)
class ModelOptions:
    excluded: bool = False
    ignore: frozenset[str] = frozenset()
    redact: dict[str, str | None] = field(default_factory=dict)


_options_cache: dict[type, ModelOptions] = {}


def configure_model(
    label: str,
    *,
    exclude: bool = False,
    ignore: Iterable[str] = (),
    redact: dict[str, str | None] | None = None,
) -> None:
    """Set audit options for a model that cannot carry the attributes (e.g. a library's)."""
    options = _MODEL_OPTIONS.setdefault(label.lower(), {})
    options["exclude"] = exclude or options.get("exclude", False)
    options["ignore"] = set(options.get("ignore", ())) | set(ignore)
    options["redact"] = {**options.get("redact", {}), **(redact or {})}
    _options_cache.clear()


def options_for(model: type) -> ModelOptions:
    cached = _options_cache.get(model)
    if cached is None:
        cached = _options_cache[model] = _compute_options(model)
    return cached


def _compute_options(model: type) -> ModelOptions:
    from django.apps import apps

    meta = model._meta
    label = meta.concrete_model._meta.label_lower
    extra = _MODEL_OPTIONS.get(label, {})
    excluded = (
        label in EXCLUDED_MODELS
        or meta.app_label in EXCLUDED_APPS
        or bool(extra.get("exclude"))
        or bool(getattr(model, "audit_exclude", False))
        # Historical models of migrations: no redaction attributes, maybe no audit table yet.
        or meta.apps is not apps
    )
    ignore = set(extra.get("ignore", ())) | set(getattr(model, "audit_ignore_fields", ()))
    # ``auto_now`` timestamps change on every save; the entry has its own time.
    ignore |= {f.name for f in meta.concrete_fields if getattr(f, "auto_now", False)}
    redact = {**extra.get("redact", {}), **getattr(model, "audit_redact", {})}
    for f in meta.concrete_fields:
        if f.name not in redact and _looks_secret(f.name):
            redact[f.name] = None
    return ModelOptions(excluded, frozenset(ignore), redact)


def _looks_secret(name: str) -> bool:
    name = name.lower()
    return (
        name in _SECRET_NAMES
        or name.endswith("_encrypted")
        or bool(_SECRET_WORDS.intersection(name.split("_")))
    )


# --- snapshots: field values as JSON ---------------------------------------------------------


class _Masked:
    """A redacted value: compared by a digest (to see that it changed), recorded as MASK."""

    __slots__ = ("digest",)

    def __init__(self, raw):
        self.digest = hashlib.sha256(repr(raw).encode()).hexdigest()

    def __eq__(self, other):
        return isinstance(other, _Masked) and other.digest == self.digest

    __hash__ = None


def _snapshot(obj, options: ModelOptions, only: Iterable[str] | None = None) -> dict:
    """The audited fields of ``obj`` as Python values (redacted), keyed by field name."""
    meta = obj._meta
    names = {f.name for f in meta.concrete_fields}
    wanted = None
    if only is not None:
        wanted = set(only)
        wanted |= {f.name for f in meta.concrete_fields if f.attname in wanted}
        wanted |= {options.redact[n] for n in list(wanted) if options.redact.get(n) in names}
    data = {}
    for f in meta.concrete_fields:
        if f.name in options.ignore or (wanted is not None and f.name not in wanted):
            continue
        if f.name in options.redact:
            replacement = options.redact[f.name]
            raw = f.value_from_object(obj)
            if replacement is not None and replacement not in names:
                # A property or method: record its value under this field's name.
                value = getattr(obj, replacement)
                data[f.name] = value() if callable(value) else value
            else:
                # Masked; a replacement field is recorded under its own name. The mask still
                # shows that a secret was rewritten (e.g. only the password in a URL changed).
                data[f.name] = _Masked(raw) if raw not in (None, "") else raw
            continue
        value = f.value_from_object(obj)
        # "1.50", 1.5 and Decimal("1.50") compare alike; a value that does not convert stays.
        with contextlib.suppress(Exception):
            value = f.to_python(value)
        data[f.name] = value
    return data


def _jsonable(value):
    if value is None or isinstance(value, bool | int | str) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, _Masked):
        return MASK
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return f"<{len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()[:16]}>"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if k not in before or _differs(before[k], after[k])]
    changed += [k for k in before if k not in after]
    return (
        {k: _jsonable(before.get(k)) for k in changed},
        {k: _jsonable(after.get(k)) for k in changed},
    )


def _differs(old, new) -> bool:
    try:
        return bool(old != new)
    except TypeError:  # e.g. naive and aware datetimes
        return _jsonable(old) != _jsonable(new)


def _repr(obj) -> str:
    try:
        return str(obj)[:255]
    except Exception:  # noqa: BLE001 - a broken __str__ must not block the change
        return f"{obj._meta.label} {obj.pk}"


def _object_type(model) -> str:
    return model._meta.concrete_model._meta.label_lower


# --- recording -------------------------------------------------------------------------------


def _lock(using: str) -> None:
    """Serialize appends: on PostgreSQL an advisory lock held until the transaction ends.

    SQLite needs none: its transactions are IMMEDIATE (the write lock is taken at BEGIN).
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def entry_hash(prev_hash: str, fields: dict) -> str:
    """sha256(prev_hash + canonical JSON of the entry's fields)."""
    payload = json.dumps(_canonical(fields), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("ascii")).hexdigest()


def _canonical(value):
    # JSON columns may give back 1e20 as an integer (PostgreSQL jsonb): hash integral floats as
    # integers so an entry hashes the same before and after the round trip.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


HASHED_FIELDS = (
    "sequence",
    "time",
    "actor_name",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "source",
)


def hashed_fields(values: dict) -> dict:
    """The hashed part of an entry, from a dict with at least HASHED_FIELDS."""
    fields = {name: values[name] for name in HASHED_FIELDS}
    time = fields["time"]
    if time.tzinfo is not None:
        time = time.astimezone(dt.UTC)
    fields["time"] = time.isoformat()
    return fields


def append(*, action, object_type, object_id, object_repr, before=None, after=None, using=None):
    """Append one entry to the chain, in the ongoing transaction when there is one."""
    from django.db import router, transaction
    from django.utils import timezone

    from erpkeeper.core.models import AuditEntry

    using = using or router.db_for_write(AuditEntry)
    context = current_context()
    with transaction.atomic(using=using, savepoint=False):
        _lock(using)
        last = (
            AuditEntry.objects.using(using)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(
            sequence=sequence,
            time=timezone.now(),
            actor_id=context.actor_id,
            actor_name=(context.actor_name or "system")[:150],
            action=action,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=object_repr[:255],
            before=before,
            after=after,
            request_id=(context.request_id or "")[:64],
            source=(context.source or "")[:32],
            prev_hash=prev_hash,
        )
        entry.hash = entry_hash(prev_hash, hashed_fields(vars(entry)))
        entry.save(using=using, force_insert=True)
    return entry


def record_change(obj, before: dict | None, after: dict | None, *, using=None):
    """Record a change made without model signals (``QuerySet.update``, raw SQL ...).

    ``before``/``after`` map field names to values; unchanged keys are dropped, and nothing is
    recorded when nothing changed. For a creation pass ``before=None``, for a deletion
    ``after=None``.
    """
    if before is None or after is None:
        action = "create" if before is None else "delete"
        before = _jsonable(before) if before is not None else None
        after = _jsonable(after) if after is not None else None
    else:
        action = "update"
        before, after = _changes(before, after)
        if not after and not before:
            return None
    return append(
        action=action,
        object_type=_object_type(type(obj)),
        object_id=obj.pk,
        object_repr=_repr(obj),
        before=before,
        after=after,
        using=using or obj._state.db,
    )


def audited_update(queryset, **values) -> int:
    """``queryset.update(**values)`` that records an update entry for each row it changed."""
    from django.db import transaction

    model = queryset.model
    options = options_for(model)
    using = queryset.db
    fields = {_field_name(model, name) for name in values}
    if options.excluded or fields <= options.ignore:
        return queryset.update(**values)
    with transaction.atomic(using=using):
        _lock(using)
        rows = list(queryset.select_for_update())
        pks = [row.pk for row in rows]
        count = model._base_manager.using(using).filter(pk__in=pks).update(**values)
        fresh = model._base_manager.using(using).in_bulk(pks)
        for row in rows:
            if row.pk in fresh:
                before = _snapshot(row, options, only=values)
                after = _snapshot(fresh[row.pk], options, only=values)
                record_change(fresh[row.pk], before, after, using=using)
    return count


# --- signal receivers ------------------------------------------------------------------------

_BEFORE = "_audit_before"
_SKIP = "_audit_skip"
_M2M_BEFORE = "_audit_m2m_before"


def _on_pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    options = options_for(sender)
    if options.excluded:
        return
    state = instance.__dict__
    state.pop(_BEFORE, None)
    state[_SKIP] = update_fields is not None and all(
        _field_name(sender, name) in options.ignore for name in update_fields
    )
    if state[_SKIP]:
        return
    pk_field = sender._meta.pk
    if instance.pk is None or (instance._state.adding and pk_field.has_default()):
        return
    _lock(using)
    row = sender._base_manager.using(using).filter(pk=instance.pk).first()
    if row is not None:
        state[_BEFORE] = _snapshot(row, options, only=update_fields)


def _field_name(model, name: str) -> str:
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname):
            return f.name
    return name


def _on_post_save(sender, instance, created=False, raw=False, using=None, update_fields=None, **kw):
    options = options_for(sender)
    if options.excluded:
        return
    before = instance.__dict__.pop(_BEFORE, None)
    if instance.__dict__.pop(_SKIP, False):
        return
    if created or before is None:
        after = _snapshot(instance, options)
        kind, before_json, after_json = "create" if created else "update", None, _jsonable(after)
    else:
        after = _snapshot(instance, options, only=update_fields)
        before_json, after_json = _changes(before, after)
        if not before_json and not after_json:
            return
        kind = "update"
    append(
        action=kind,
        object_type=_object_type(sender),
        object_id=instance.pk,
        object_repr=_repr(instance),
        before=before_json,
        after=after_json,
        using=using,
    )


def _on_pre_delete(sender, instance, using=None, **kwargs):
    if not options_for(sender).excluded:
        _lock(using)


def _on_post_delete(sender, instance, using=None, **kwargs):
    options = options_for(sender)
    if options.excluded:
        return
    append(
        action="delete",
        object_type=_object_type(sender),
        object_id=instance.pk,
        object_repr=_repr(instance),
        before=_jsonable(_snapshot(instance, options)),
        after=None,
        using=using,
    )


def _on_m2m_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    owner = type(instance)
    options = options_for(owner)
    name = _m2m_name(owner, sender, reverse)
    if options.excluded or name is None or name in options.ignore:
        return
    remembered = instance.__dict__.setdefault(_M2M_BEFORE, {})
    if action.startswith("pre_"):
        _lock(using)
        remembered[name] = _related_ids(instance, name)
        return
    before = remembered.pop(name, None)
    after = _related_ids(instance, name)
    if before is None or before == after:
        return
    append(
        action="update",
        object_type=_object_type(owner),
        object_id=instance.pk,
        object_repr=_repr(instance),
        before={name: before},
        after={name: after},
        using=using,
    )


def _m2m_name(owner, through, reverse: bool) -> str | None:
    if not reverse:
        for f in owner._meta.many_to_many:
            if f.remote_field.through is through:
                return f.name
        return None
    for rel in owner._meta.related_objects:
        if rel.many_to_many and rel.through is through:
            return rel.get_accessor_name()
    return None


def _related_ids(instance, name: str) -> list:
    ids = getattr(instance, name).order_by("pk").values_list("pk", flat=True)
    return [_jsonable(pk) for pk in ids]


def connect_signals() -> None:
    """Connect the recorder to every audited model (called once from CoreConfig.ready)."""
    from django.apps import apps
    from django.db.models import signals

    throughs = set()
    for model in apps.get_models():
        if options_for(model).excluded:
            continue  # not connected: bulk deletes of excluded models stay fast
        uid = f"erpkeeper.audit.{model._meta.label_lower}"
        signals.pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid)
        signals.post_save.connect(_on_post_save, sender=model, dispatch_uid=uid)
        signals.pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=uid)
        signals.post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid)
        throughs.update(f.remote_field.through for f in model._meta.many_to_many)
    for through in throughs:
        uid = f"erpkeeper.audit.m2m.{through._meta.label_lower}"
        signals.m2m_changed.connect(_on_m2m_changed, sender=through, dispatch_uid=uid)


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
    from erpkeeper.core.models import AuditEntry

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


# --- reading: filters and CSV ----------------------------------------------------------------


def parse_when(text, *, end: bool = False) -> dt.datetime:
    """An ISO date or date-time (naive = the platform's time zone). A bare date used as the
    end of a range covers that whole day."""
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    if isinstance(text, dt.datetime):
        value = text
    else:
        text = str(text).strip()
        try:
            value = parse_datetime(text)
            day = None if value is not None else parse_date(text)
        except ValueError:
            value = day = None
        if value is None and day is None:
            raise ValueError(_("not an ISO date or date-time: %(value)s") % {"value": text})
        if value is None:
            value = dt.datetime.combine(day, dt.time.min)
            if end:
                value += dt.timedelta(days=1)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def filter_entries(
    queryset=None,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    source: str | None = None,
    request_id: str | None = None,
    since=None,
    until=None,
):
    """The entries matching all given filters (None or "" = no filter). ValueError if bad."""
    from django.db.models import Q

    from erpkeeper.core.models import AuditEntry

    queryset = AuditEntry.objects.all() if queryset is None else queryset
    if actor:
        match = Q(actor_name__iexact=actor)
        if str(actor).isdigit():
            match |= Q(actor_id=int(actor))
        queryset = queryset.filter(match)
    if action:
        if action not in AuditEntry.Action.values:
            raise ValueError(
                _("unknown action %(value)s (create, update or delete)") % {"value": action}
            )
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type.lower())
    for name, value in (("object_id", object_id), ("source", source), ("request_id", request_id)):
        if value:
            queryset = queryset.filter(**{name: value})
    if since:
        queryset = queryset.filter(time__gte=parse_when(since))
    if until:
        queryset = queryset.filter(time__lt=parse_when(until, end=True))
    return queryset


CSV_COLUMNS = [
    "sequence",
    "time",
    "actor",
    "actor_id",
    "source",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "request_id",
    "prev_hash",
    "hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value):
        return value


def _cell(value) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas: an object named "=cmd|..."
    # must not execute when the export is opened.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entry_row(entry) -> dict:
    return {
        "sequence": entry.sequence,
        "time": entry.time.isoformat(),
        "actor": entry.actor_name,
        "actor_id": entry.actor_id,
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def csv_lines(queryset, chunk_size: int = 2000) -> Iterator[str]:
    """The entries as CSV lines (header first), oldest first, reading in chunks."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for entry in queryset.order_by("sequence").iterator(chunk_size=chunk_size):
        row = entry_row(entry)
        for key in ("before", "after"):
            value = row[key]
            row[key] = "" if value is None else json.dumps(value, ensure_ascii=False)
        for key in ("actor", "object_type", "object_id", "object", "request_id"):
            row[key] = _cell(row[key])
        yield writer.writerow([row[c] for c in CSV_COLUMNS])
