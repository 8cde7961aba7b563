"""Sites, racks, assets and what the agent reports about them: disks (with their SMART history),
network interfaces and installed software."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssetKind(models.TextChoices):
    SERVER = "server", _("Server")
    STORAGE = "storage", _("Storage")
    NETWORK = "network", _("Network device")
    UPS = "ups", _("UPS")
    WORKSTATION = "workstation", _("Workstation")
    OTHER = "other", pgettext_lazy("asset kind", "Other")


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    SPARE = "spare", _("Spare")
    RETIRED = "retired", _("Retired")
    BROKEN = "broken", _("Broken")


class SmartHealth(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown")


class Site(models.Model):
    """A place where assets stand: a data centre, a server room, a branch office."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Rack(models.Model):
    """A rack (or cabinet) in a site."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="racks"
    )
    name = models.CharField(_("name"), max_length=100)
    units = models.PositiveSmallIntegerField(_("height (U)"), default=42)

    class Meta:
        verbose_name = _("rack")
        verbose_name_plural = _("racks")
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="assets_rack_unique_name")
        ]

    def __str__(self):
        return f"{self.site} / {self.name}"


class Asset(models.Model):
    """A piece of hardware the team looks after. The agent fills what it can read on the machine
    (``host`` links it to the monitored host that reports it); people fill the rest by hand or
    from a file."""

    audit_ignore_fields = {"last_inventory_at", "health_score", "health_reasons", "updated"}

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=AssetKind.choices, default=AssetKind.SERVER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=150, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    cpu = models.CharField(_("CPU"), max_length=200, blank=True)
    ram_mb = models.PositiveIntegerField(_("RAM (MB)"), null=True, blank=True)
    os = models.CharField(_("operating system"), max_length=200, blank=True)
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    rack = models.ForeignKey(
        Rack,
        verbose_name=_("rack"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    supplier = models.CharField(_("supplier"), max_length=150, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    expected_life_years = models.PositiveSmallIntegerField(_("expected life (years)"), default=5)
    notes = models.TextField(_("notes"), blank=True)
    host = models.OneToOneField(
        "monitoring.Host",
        verbose_name=_("monitored host"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="asset",
        help_text=_("The agent's host that reports this machine's inventory."),
    )
    # A target runs on a host: the link is kept here, so the targets app stays as it is.
    targets = models.ManyToManyField(
        "targets.Target",
        verbose_name=_("targets running here"),
        blank=True,
        related_name="host_assets",
    )
    last_inventory_at = models.DateTimeField(_("last inventory"), null=True, blank=True)
    health_score = models.PositiveSmallIntegerField(_("health"), null=True, blank=True)
    health_reasons = models.JSONField(_("health reasons"), default=list, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "serial_number"],
                condition=~Q(serial_number=""),
                name="assets_asset_unique_serial",
                violation_error_message=_("Another asset of this vendor has this serial number."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.rack_id and self.site_id and self.rack.site_id != self.site_id:
            raise ValidationError({"rack": _("This rack is in another site.")})
        if self.rack_id and not self.site_id:
            self.site_id = self.rack.site_id


class Disk(models.Model):
    """A disk of an asset; ``DiskObservation`` keeps what SMART said each time it was read."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="disks"
    )
    device = models.CharField(_("device"), max_length=64)
    model = models.CharField(_("model"), max_length=150, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    smart_health = models.CharField(
        _("SMART health"),
        max_length=8,
        choices=SmartHealth.choices,
        default=SmartHealth.UNKNOWN,
    )
    reallocated_sectors = models.IntegerField(_("reallocated sectors"), null=True, blank=True)
    temperature_c = models.IntegerField(_("temperature (°C)"), null=True, blank=True)
    power_on_hours = models.IntegerField(_("power-on hours"), null=True, blank=True)
    observed_at = models.DateTimeField(_("observed"), null=True, blank=True)

    audit_exclude = True  # written by the agent's reports, kept as observations below

    class Meta:
        verbose_name = _("disk")
        verbose_name_plural = _("disks")
        ordering = ["asset", "device"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "device"], name="assets_disk_unique_device")
        ]

    def __str__(self):
        return f"{self.asset} {self.device}"


class DiskObservation(models.Model):
    """One reading of a disk's SMART data."""

    audit_exclude = True  # an observation, not a change

    disk = models.ForeignKey(
        Disk, verbose_name=_("disk"), on_delete=models.CASCADE, related_name="observations"
    )
    observed_at = models.DateTimeField(_("observed"), default=timezone.now, db_index=True)
    smart_health = models.CharField(_("SMART health"), max_length=8, choices=SmartHealth.choices)
    reallocated_sectors = models.IntegerField(_("reallocated sectors"), null=True, blank=True)
    temperature_c = models.IntegerField(_("temperature (°C)"), null=True, blank=True)
    power_on_hours = models.IntegerField(_("power-on hours"), null=True, blank=True)

    class Meta:
        verbose_name = _("disk observation")
        verbose_name_plural = _("disk observations")
        ordering = ["disk", "observed_at"]

    def __str__(self):
        return f"{self.disk} {self.observed_at:%Y-%m-%d %H:%M}"


class NetworkInterface(models.Model):
    """A network interface of an asset, as the agent last saw it."""

    audit_exclude = True  # rewritten by each inventory report

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="interfaces"
    )
    name = models.CharField(_("name"), max_length=64)
    mac = models.CharField(_("MAC address"), max_length=32, blank=True)
    addresses = models.CharField(_("addresses"), max_length=500, blank=True)
    speed_mbps = models.PositiveIntegerField(_("speed (Mbit/s)"), null=True, blank=True)
    is_up = models.BooleanField(_("up"), default=False)

    class Meta:
        verbose_name = _("network interface")
        verbose_name_plural = _("network interfaces")
        ordering = ["asset", "name"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "name"], name="assets_nic_unique_name")
        ]

    def __str__(self):
        return f"{self.asset} {self.name}"


class InstallSource(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANUAL = "manual", _("By hand")


class SoftwareInstall(models.Model):
    """A product installed on an asset (the ERP found by the agent, or entered by hand)."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="software"
    )
    product = models.CharField(_("product"), max_length=150)
    version = models.CharField(_("version"), max_length=64, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=InstallSource.choices, default=InstallSource.MANUAL
    )
    seen_at = models.DateTimeField(_("seen"), default=timezone.now)

    class Meta:
        verbose_name = _("software install")
        verbose_name_plural = _("software installs")
        ordering = ["asset", "product"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "product"], name="assets_install_unique")
        ]

    def __str__(self):
        return f"{self.product} {self.version}".strip()
