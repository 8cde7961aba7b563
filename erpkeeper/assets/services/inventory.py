"""What the agent reports about its machine becomes the host's asset.

    {"host": "db1", "agent_version": "…", "inventory": {
        "vendor", "model", "serial", "cpu", "ram_bytes", "os",
        "disks": [{"device", "model", "serial", "size_bytes", "smart_health",
                   "reallocated_sectors", "temperature_c", "power_on_hours"}],
        "interfaces": [{"name", "mac", "addresses": [...], "speed_mbps", "up"}],
        "software": [{"product", "version"}]}}

The asset is found by (1) the asset already linked to the host, (2) vendor and serial number,
(3) an asset named like the host without a host yet; otherwise a new server asset is made.
Every report appends a SMART observation per disk; interfaces are replaced by what was seen;
software from the agent is updated (what people entered by hand stays).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.assets.models import (
    Asset,
    AssetKind,
    Disk,
    DiskObservation,
    InstallSource,
    NetworkInterface,
    SmartHealth,
    SoftwareInstall,
)
from erpkeeper.assets.services.health import refresh_health

MAX_ITEMS = 256  # disks, interfaces or packages in one report: a machine, not a dump


@dataclass(frozen=True)
class InventoryResult:
    asset: Asset
    created: bool
    disks: int


def _text(value, limit: int) -> str:
    return str(value).strip()[:limit] if isinstance(value, str | int | float) else ""


def _number(value) -> int | None:
    return int(value) if type(value) in (int, float) and value >= 0 else None


def _items(report: dict, key: str) -> list[dict]:
    items = report.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError({key: _("Expected a list of objects.")})
    if len(items) > MAX_ITEMS:
        raise ValidationError({key: _("Too many items.")})
    return items


def find_asset(host, vendor: str, serial: str) -> Asset | None:
    asset = Asset.objects.filter(host=host).first()
    if asset is None and serial:
        asset = Asset.objects.filter(vendor=vendor, serial_number=serial).first()
    if asset is None:
        asset = Asset.objects.filter(name=host.name, host__isnull=True).first()
    return asset


def record_inventory(host, report: dict) -> InventoryResult:
    """Create or update ``host``'s asset from an inventory report; nothing is written when the
    report is malformed (ValidationError)."""
    try:
        return _record_inventory(host, report)
    except IntegrityError:
        # Two agents of one host reported at the same moment and the other one created the
        # asset first: this report updates it.
        return _record_inventory(host, report)


@transaction.atomic
def _record_inventory(host, report: dict) -> InventoryResult:
    if not isinstance(report, dict):
        raise ValidationError({"inventory": _("Expected an object.")})
    disks, interfaces, software = (
        _items(report, "disks"),
        _items(report, "interfaces"),
        _items(report, "software"),
    )
    vendor, serial = _text(report.get("vendor"), 100), _text(report.get("serial"), 100)
    asset = find_asset(host, vendor, serial)
    created = asset is None
    if created:
        asset = Asset(name=host.name, kind=AssetKind.SERVER)
    _apply_facts(asset, host, report, vendor, serial)
    asset.full_clean()
    asset.save()
    asset.targets.add(*host.targets.all())  # a target runs on the host that watches it
    now = timezone.now()
    for item in disks:
        _observe_disk(asset, item, now)
    _replace_interfaces(asset, interfaces)
    _update_software(asset, software, now)
    refresh_health(asset)
    return InventoryResult(asset, created, len(disks))


def _apply_facts(asset: Asset, host, report: dict, vendor: str, serial: str) -> None:
    asset.host = host
    ram = _number(report.get("ram_bytes"))
    facts = {
        "vendor": vendor,
        "model": _text(report.get("model"), 150),
        "serial_number": serial,
        "cpu": _text(report.get("cpu"), 200),
        "os": _text(report.get("os"), 200),
        "ram_mb": ram // (1024 * 1024) if ram else None,
    }
    for name, value in facts.items():
        if value:  # what the machine cannot tell keeps what people entered
            setattr(asset, name, value)
    asset.last_inventory_at = timezone.now()


def _observe_disk(asset: Asset, item: dict, now) -> None:
    device = _text(item.get("device"), 64)
    if not device:
        raise ValidationError({"disks": _("Every disk needs a device name.")})
    health = item.get("smart_health")
    health = health if health in SmartHealth.values else SmartHealth.UNKNOWN
    reading = {
        "smart_health": health,
        "reallocated_sectors": _number(item.get("reallocated_sectors")),
        "temperature_c": _number(item.get("temperature_c")),
        "power_on_hours": _number(item.get("power_on_hours")),
    }
    disk, _created = Disk.objects.update_or_create(
        asset=asset,
        device=device,
        defaults={
            "model": _text(item.get("model"), 150),
            "serial": _text(item.get("serial"), 100),
            "size_bytes": _number(item.get("size_bytes")),
            "observed_at": now,
            **reading,
        },
    )
    DiskObservation.objects.create(disk=disk, observed_at=now, **reading)


def _replace_interfaces(asset: Asset, items: list[dict]) -> None:
    asset.interfaces.all().delete()
    seen = set()
    for item in items:
        name = _text(item.get("name"), 64)
        if not name or name in seen:
            continue
        seen.add(name)
        addresses = item.get("addresses") or []
        NetworkInterface.objects.create(
            asset=asset,
            name=name,
            mac=_text(item.get("mac"), 32),
            addresses=", ".join(str(a) for a in addresses if isinstance(a, str))[:500]
            if isinstance(addresses, list)
            else "",
            speed_mbps=_number(item.get("speed_mbps")) or None,
            is_up=item.get("up") is True,
        )


def _update_software(asset: Asset, items: list[dict], now) -> None:
    for item in items:
        product = _text(item.get("product"), 150)
        if not product:
            continue
        SoftwareInstall.objects.update_or_create(
            asset=asset,
            product=product,
            defaults={
                "version": _text(item.get("version"), 64),
                "source": InstallSource.AGENT,
                "seen_at": now,
            },
        )
