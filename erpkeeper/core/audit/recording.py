"""Recording changes: per-model options, JSON snapshots, appending to the chain, signals."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import signals
from django.utils import timezone

from erpkeeper.core.audit.context import current_context
from erpkeeper.core.models import AuditEntry

GENESIS_HASH = "0" * 64
MASK = "********"
# The pg_advisory_xact_lock key that serializes appends across processes.
ADVISORY_LOCK_KEY = int.from_bytes(b"ERPKAUD", "big")

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
