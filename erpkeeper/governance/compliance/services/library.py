"""Loading framework libraries: a new framework, the same one again (nothing to do), or a newer
version (法规更新: the difference is stored as a FrameworkUpdate and every control mapped to a
changed or removed requirement gets a review task)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.governance.compliance.library import Library, LibraryInvalid, Node, parse_library
from erpkeeper.governance.compliance.models import (
    Control,
    ControlReview,
    Framework,
    FrameworkUpdate,
    Requirement,
)

LIBRARIES = Path(__file__).resolve().parent.parent / "libraries"
MAX_FILE_BYTES = 5 * 1024 * 1024
COMPARED = ("ref_id", "depth", "assessable", "name_zh", "name_en", "description_zh")
COMPARED += ("description_en", "parent_urn")


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class LoadResult:
    framework: Framework
    outcome: str
    update: FrameworkUpdate | None = None
    reviews: int = 0


def validate_library(content: bytes | str) -> Library:
    """The parsed library, or ``ValidationError`` listing every problem (line and field)."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    try:
        return parse_library(content)
    except LibraryInvalid as exc:
        raise ValidationError(exc.problems) from None


def builtin_files() -> list[Path]:
    return sorted(LIBRARIES.glob("*.yaml"))


def load_builtin() -> list[LoadResult]:
    """Every library shipped in ``libraries/``: new ones created, newer versions applied."""
    return [
        load_library(path.read_bytes(), source_name=path.name, builtin=True)
        for path in builtin_files()
    ]


def load_library(content: bytes | str, source_name: str = "", builtin: bool = False):
    """Load one library file; all or nothing. ``ValidationError`` for a bad file or an older
    version than the one loaded."""
    library = validate_library(content)
    with transaction.atomic():
        framework = Framework.objects.select_for_update().filter(urn=library.framework_urn).first()
        if framework is None:
            framework = _create(library, source_name, builtin)
            return LoadResult(framework, Outcome.CREATED)
        if framework.version == library.version:
            if framework.source_sha256 != library.sha256:
                raise ValidationError(
                    _(
                        "Version %(version)s of this framework is already loaded with different "
                        "content: give the changed file a higher version."
                    )
                    % {"version": library.version}
                )
            return LoadResult(framework, Outcome.UNCHANGED)
        if library.version < framework.version:
            raise ValidationError(
                _("Version %(new)s is older than the loaded version %(loaded)s.")
                % {"new": library.version, "loaded": framework.version}
            )
        return _update(framework, library, source_name)


def _framework_fields(library: Library, source_name: str) -> dict:
    texts = library.texts
    return {
        "library_urn": library.urn,
        "ref_id": library.ref_id,
        "version": library.version,
        "name_zh": texts.name_zh[:500],
        "name_en": texts.name_en[:500],
        "description_zh": texts.description_zh,
        "description_en": texts.description_en,
        "provider": library.provider[:200],
        "locale": library.locale,
        "source_name": source_name[:255],
        "source_sha256": library.sha256,
        "loaded_at": timezone.now(),
    }


def _create(library: Library, source_name: str, builtin: bool) -> Framework:
    framework = Framework.objects.create(
        urn=library.framework_urn, builtin=builtin, **_framework_fields(library, source_name)
    )
    by_urn: dict[str, Requirement] = {}
    for node in library.nodes:
        by_urn[node.urn] = Requirement.objects.create(
            framework=framework, parent=by_urn.get(node.parent_urn), **_node_fields(node)
        )
    return framework


def _node_fields(node: Node) -> dict:
    texts = node.texts
    return {
        "urn": node.urn,
        "ref_id": node.ref_id[:100],
        "depth": node.depth,
        "assessable": node.assessable,
        "name_zh": texts.name_zh[:500],
        "name_en": texts.name_en[:500],
        "description_zh": texts.description_zh,
        "description_en": texts.description_en,
        "order": node.order,
        "retired": False,
    }


def _update(framework: Framework, library: Library, source_name: str) -> LoadResult:
    old = {r.urn: r for r in framework.requirements.select_related("parent")}
    new = {node.urn: node for node in library.nodes}
    added = [_entry(node, ()) for urn, node in new.items() if urn not in old]
    removed = [_entry(req, ()) for urn, req in old.items() if urn not in new and not req.retired]
    changed = []
    for urn, node in new.items():
        if urn in old:
            fields = _changed_fields(old[urn], node)
            if fields:
                changed.append(_entry(node, fields))
    update = FrameworkUpdate.objects.create(
        framework=framework,
        from_version=framework.version,
        to_version=library.version,
        added=added,
        removed=removed,
        changed=changed,
        source_sha256=library.sha256,
    )
    _apply(framework, library, old)
    for name, value in _framework_fields(library, source_name).items():
        setattr(framework, name, value)
    framework.save()
    reviews = _raise_reviews(update, framework)
    return LoadResult(framework, Outcome.UPDATED, update, reviews)


def _entry(item: Node | Requirement, fields) -> dict:
    texts = item.texts if isinstance(item, Node) else item
    name = texts.name_en or texts.name_zh
    return {"urn": item.urn, "ref_id": item.ref_id, "name": name, "fields": list(fields)}


def _changed_fields(requirement: Requirement, node: Node) -> list[str]:
    now = {**_node_fields(node), "parent_urn": node.parent_urn}
    before = {name: getattr(requirement, name, None) for name in COMPARED}
    before["parent_urn"] = requirement.parent.urn if requirement.parent else ""
    before["retired"] = requirement.retired
    fields = [name for name in COMPARED if str(before[name]) != str(now[name])]
    return [*fields, "retired"] if requirement.retired else fields


def _apply(framework: Framework, library: Library, old: dict[str, Requirement]) -> None:
    by_urn: dict[str, Requirement] = {}
    for node in library.nodes:
        requirement = old.get(node.urn) or Requirement(framework=framework)
        for name, value in _node_fields(node).items():
            setattr(requirement, name, value)
        requirement.parent = by_urn.get(node.parent_urn)
        requirement.save()
        by_urn[node.urn] = requirement
    for urn, requirement in old.items():
        if urn not in by_urn and not requirement.retired:
            requirement.retired = True
            requirement.save(update_fields=["retired"])


def _raise_reviews(update: FrameworkUpdate, framework: Framework) -> int:
    """One open review per control mapped to a changed or removed requirement."""
    touched = {item["urn"]: {**item, "change": "changed"} for item in update.changed}
    touched.update({item["urn"]: {**item, "change": "removed"} for item in update.removed})
    if not touched:
        return 0
    per_control: dict[int, list[dict]] = {}
    mapped = Control.requirements.through.objects.filter(
        requirement__framework=framework, requirement__urn__in=list(touched)
    ).values_list("control_id", "requirement__urn")
    for control_id, urn in mapped:
        per_control.setdefault(control_id, []).append(touched[urn])
    for control_id, items in per_control.items():
        ControlReview.objects.create(control_id=control_id, update=update, requirements=items)
    return len(per_control)
