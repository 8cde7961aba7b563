"""Demo assets: the machine ERPKeeper runs on (the demo ERP's host) with what it can read about
itself, and a few others whose warranties end soon, one worn out enough to be proposed for
replacement, a licence, an inspection template and its first inspections.

Idempotent: each asset, site, licence and template is made only when its name is absent, so a
restart changes nothing the team edited. Dates are relative to today, so the notices at 90, 30
and 7 days fire on a fresh ``make up``.
"""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from erpkeeper.assets import services
from erpkeeper.assets.models import (
    Asset,
    Disk,
    DiskObservation,
    InspectionTemplate,
    MaintenanceKind,
    Rack,
    Site,
    SmartHealth,
    SoftwareLicence,
)
from erpkeeper.core.audit import audit_context
from erpkeeper.monitoring.agent.inventory import collect_inventory
from erpkeeper.targets.models import Target

SITE, BRANCH = "上海数据中心", "北京分公司"
CHECKLIST = "风扇与温度\nRAID 与磁盘状态\n电源冗余\nUPS 电池\n机柜清洁"
# name, kind, vendor, model, serial, site, days of warranty left, years in service, cost
OTHERS = (
    ("db-standby-01", "server", "Dell Inc.", "PowerEdge R750", "7XK2LM3", SITE, 25, 3, 86000),
    ("nas-backup-01", "storage", "Synology", "RS3621xs+", "2150QWR004", SITE, 80, 4, 42000),
    ("core-switch-01", "network", "Huawei", "S5735-L48T4X", "2102353HRB10", SITE, 400, 2, 18000),
    ("ups-01", "ups", "APC", "Smart-UPS SRT 3000", "AS1934123456", SITE, 6, 5, 12000),
    ("old-app-01", "server", "HP", "ProLiant DL380 Gen9", "CZJ61302KX", BRANCH, -700, 7, 65000),
)


def ensure_demo_assets() -> int:
    """Make what is missing; how many assets were made."""
    with audit_context(actor_name="system:demo", source="system"), transaction.atomic():
        made = _demo_host() + sum(_other(*row) for row in OTHERS)
        _licence()
        _inspections()
        services.refresh_all()
        services.raise_due_notices()
    return made


def _site(name: str) -> Site:
    site, _created = Site.objects.get_or_create(
        name=name, defaults={"address": "浦东新区张江路 88 号" if name == SITE else "海淀区"}
    )
    Rack.objects.get_or_create(site=site, name="A01")
    return site


def _demo_host() -> int:
    name = socket.gethostname()
    if Asset.objects.filter(name=name).exists():
        return 0
    facts = collect_inventory()
    ram = facts.get("ram_bytes")
    asset = services.create_asset(
        name=name,
        kind="server",
        vendor=facts.get("vendor", ""),
        model=facts.get("model", ""),
        serial_number=facts.get("serial", ""),
        cpu=facts.get("cpu", ""),
        ram_mb=ram // (1024 * 1024) if ram else None,
        os=facts.get("os", ""),
        site=_site(SITE),
        purchase_date=timezone.localdate() - dt.timedelta(days=365),
        warranty_end=timezone.localdate() + dt.timedelta(days=60),
        notes="ERPKeeper and the demo Tryton ERP run here.",
        targets=list(Target.objects.all()),
    )
    services.record_install(asset, "ERPKeeper", "", source="manual")
    return 1


def _other(name, kind, vendor, model, serial, site, warranty_days, years, cost) -> int:
    if Asset.objects.filter(name=name).exists():
        return 0
    today = timezone.localdate()
    site = _site(site)
    asset = services.create_asset(
        name=name,
        kind=kind,
        vendor=vendor,
        model=model,
        serial_number=serial,
        site=site,
        rack=site.racks.get(name="A01"),
        purchase_date=today - dt.timedelta(days=int(years * 365.25)),
        warranty_end=today + dt.timedelta(days=warranty_days),
        supplier="神州数码" if vendor != "APC" else "施耐德电气",
        cost=Decimal(cost),
    )
    if name == "old-app-01":
        _worn_disk(asset)
        services.log_maintenance(
            asset,
            date=today - dt.timedelta(days=40),
            kind=MaintenanceKind.PART,
            note="更换 2 号电源模块 (PSU 2 replaced)",
            cost=Decimal("1800"),
        )
    return 1


def _worn_disk(asset: Asset) -> None:
    """Two SMART readings a month apart, reallocated sectors rising: a disk on its way out."""
    disk = Disk.objects.create(
        asset=asset, device="/dev/sda", model="HP EG0600FBDSR", size_bytes=600 * 10**9
    )
    now = timezone.now()
    for days_ago, sectors in ((30, 16), (1, 88)):
        DiskObservation.objects.create(
            disk=disk,
            observed_at=now - dt.timedelta(days=days_ago),
            smart_health=SmartHealth.PASSED,
            reallocated_sectors=sectors,
            temperature_c=41,
            power_on_hours=61000,
        )


def _licence() -> None:
    if SoftwareLicence.objects.filter(product="Windows Server 2022 Standard").exists():
        return
    licence = services.save_licence(
        SoftwareLicence(
            product="Windows Server 2022 Standard",
            vendor="Microsoft",
            seats=2,
            expiry=timezone.localdate() + dt.timedelta(days=28),
        ),
        hosts=list(Asset.objects.filter(name="old-app-01")),
    )
    services.set_licence_key(licence, "DEMO-XXXXX-XXXXX-XXXXX-XXXXX", actor=None)


def _inspections() -> None:
    InspectionTemplate.objects.get_or_create(
        name="服务器月度巡检",
        defaults={"asset_kind": "server", "frequency_days": 30, "checklist": CHECKLIST},
    )
    services.schedule_inspections(timezone.localdate() - dt.timedelta(days=3))
