"""Hardware health where the machine exposes it: disks' SMART status, temperatures, fans, battery.

Metrics:
  hw.smart.healthy {device}       1 when ``smartctl -H`` says the disk passed, else 0 (needs
                                  smartmontools, and usually root; checked every 10 minutes)
  hw.temperature.celsius {sensor} psutil.sensors_temperatures(), sensor = "<chip>/<label>"
  hw.fan.rpm {sensor}             psutil.sensors_fans()
  hw.battery.percent              psutil.sensors_battery()

Virtual machines and containers usually offer none of it: the collector is then not available
and says why, rather than reporting made-up values.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time

import psutil

from erpkeeper.monitoring.collectors.base import Collector, Sample, _, logger, one_line

SMART_EVERY_SECONDS = 600  # smartctl wakes disks and takes a while: not every 10 s
SMART_TIMEOUT_S = 20


class HardwareCollector(Collector):
    name = "hardware"

    def __init__(self):
        super().__init__()
        self.smartctl = shutil.which("smartctl")
        self.smart_devices = self._smart_devices() if self.smartctl else []
        self._last_smart = float("-inf")
        self.reasons = self._missing()

    def _missing(self) -> list[str]:
        if self.smart_devices or self._sensors("temperatures") or self._sensors("fans"):
            return []
        if _battery() is not None:
            return []
        smart = (
            _("smartctl not installed")
            if not self.smartctl
            else _("smartctl finds no disk it may read")
        )
        return [_("hardware sensors not available on this machine"), smart]

    def collect(self, now: dt.datetime) -> list[Sample]:
        samples = [*self._temperatures(now), *self._fans(now)]
        battery = _battery()
        if battery is not None:
            samples.append(self.sample("hw.battery.percent", battery.percent, now, "%"))
        if self.smart_devices and time.monotonic() - self._last_smart >= SMART_EVERY_SECONDS:
            self._last_smart = time.monotonic()
            samples.extend(self._smart(now))
        return samples

    def _temperatures(self, now):
        return [
            self.sample("hw.temperature.celsius", reading.current, now, "°C", sensor=sensor)
            for sensor, reading in self._readings("temperatures")
        ]

    def _fans(self, now):
        return [
            self.sample("hw.fan.rpm", reading.current, now, "rpm", sensor=sensor)
            for sensor, reading in self._readings("fans")
        ]

    def _readings(self, kind: str):
        for chip, readings in self._sensors(kind).items():
            for index, reading in enumerate(readings):
                yield f"{chip}/{reading.label or index}", reading

    @staticmethod
    def _sensors(kind: str) -> dict:
        read = getattr(psutil, f"sensors_{kind}", None)  # absent on some platforms
        try:
            return (read() if read else {}) or {}
        except OSError:
            return {}

    # ------------------------------------------------------------------ SMART

    def _smart_devices(self) -> list[str]:
        scan = self._smartctl("--scan")
        return [device["name"] for device in (scan or {}).get("devices", []) if "name" in device]

    def _smart(self, now):
        samples = []
        for device in self.smart_devices:
            status = (self._smartctl("-H", device) or {}).get("smart_status")
            if status is not None and "passed" in status:
                healthy = 1 if status["passed"] else 0
                samples.append(self.sample("hw.smart.healthy", healthy, now, device=device))
        return samples

    def _smartctl(self, *args: str) -> dict | None:
        try:
            done = subprocess.run(
                [self.smartctl, "-j", *args],
                capture_output=True,
                timeout=SMART_TIMEOUT_S,
                check=False,
            )
            # smartctl's exit status is a bit mask of findings; the JSON says what it could read.
            return json.loads(done.stdout or b"{}")
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            logger.warning("smartctl %s failed: %s", " ".join(args), one_line(exc))
            return None


def _battery():
    read = getattr(psutil, "sensors_battery", None)
    try:
        return read() if read else None
    except OSError:
        return None
