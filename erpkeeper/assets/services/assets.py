"""Assets, sites, racks, licences and the maintenance log by hand: one function per operation,
for the console, the API, the CLI and the jobs. Saved through the models, so the audit trail
records each change with whoever the calling interface put in the audit context."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.assets.models import (
    Asset,
    MaintenanceEntry,
    Rack,
    Site,
    SoftwareInstall,
    SoftwareLicence,
)
from erpkeeper.lib import crypto

ASSET_FIELDS = (
    "name",
    "kind",
    "status",
    "vendor",
    "model",
    "serial_number",
    "cpu",
    "ram_mb",
    "os",
    "site",
    "rack",
    "purchase_date",
    "supplier",
    "cost",
    "warranty_end",
    "end_of_life",
    "expected_life_years",
    "notes",
    "host",
)
KEY_PERMISSION = "assets.set_key_softwarelicence"


def _checked(fields: dict, allowed) -> dict:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s") % {"names": ", ".join(unknown)})
    return fields


@transaction.atomic
def create_asset(*, targets=None, **fields) -> Asset:
    """A new asset (validated: unique name, serial number unique per vendor, rack in its site)."""
    asset = Asset(**_checked(fields, ASSET_FIELDS))
    return save_asset(asset, targets=targets)


@transaction.atomic
def update_asset(asset: Asset, *, targets=None, **fields) -> Asset:
    for name, value in _checked(fields, ASSET_FIELDS).items():
        setattr(asset, name, value)
    return save_asset(asset, targets=targets)


def save_asset(asset: Asset, *, targets=None) -> Asset:
    asset.name = (asset.name or "").strip()
    asset.serial_number = (asset.serial_number or "").strip()
    asset.full_clean()
    asset.save()
    if targets is not None:
        asset.targets.set(targets)
    return asset


def delete_asset(asset: Asset) -> None:
    asset.delete()


@transaction.atomic
def save_site(site: Site) -> Site:
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def save_rack(rack: Rack) -> Rack:
    rack.full_clean()
    rack.save()
    return rack


def site_named(name: str, *, create: bool = False) -> Site | None:
    """The site of this name (created when asked); None for an empty name."""
    name = (name or "").strip()
    if not name:
        return None
    site = Site.objects.filter(name=name).first()
    if site is None and create:
        site = save_site(Site(name=name))
    if site is None:
        raise ValidationError({"site": _("Unknown site: %(name)s") % {"name": name}})
    return site


@transaction.atomic
def save_licence(licence: SoftwareLicence, *, hosts=None) -> SoftwareLicence:
    licence.full_clean()
    licence.save()
    if hosts is not None:
        licence.hosts.set(hosts)
    return licence


@transaction.atomic
def set_licence_key(licence: SoftwareLicence, key: str, *, actor) -> SoftwareLicence:
    """Store the licence key encrypted; only administrators (``set_key_softwarelicence``).
    The key is never shown again: the console, API and CLI only say whether one is set."""
    if actor is not None and not actor.has_perm(KEY_PERMISSION):
        raise PermissionDenied(_("Only administrators may set a licence key."))
    key = (key or "").strip()
    if len(key) > 4000:
        raise ValidationError({"key": _("The key is too long.")})
    licence.key_encrypted = crypto.encrypt(key)
    licence.save(update_fields=["key_encrypted"])
    return licence


@transaction.atomic
def log_maintenance(asset: Asset, **fields) -> MaintenanceEntry:
    entry = MaintenanceEntry(asset=asset, **_checked(fields, ("date", "kind", "note", "cost")))
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def record_install(asset: Asset, product: str, version: str = "", *, source="manual"):
    install, _created = SoftwareInstall.objects.update_or_create(
        asset=asset, product=product.strip(), defaults={"version": version, "source": source}
    )
    return install
