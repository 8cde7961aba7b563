"""What the machine is: the agent's inventory report, posted to ``/api/v1/assets/inventory/``
with the host token when the agent starts and every ``--inventory-hours`` after.

Read without Django and without root where possible: vendor, model and serial number from
/sys/class/dmi/id (the serial is usually readable by root only: then it is left out), CPU and
RAM from /proc and psutil, disks from /sys/block with their SMART data from ``smartctl --json``
when smartmontools is installed and may read them ("unknown" otherwise), network interfaces from
psutil, the OS from /etc/os-release, and the ERP installed in ``--erp-venv`` (its trytond
version, asked of that environment's own Python).
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import subprocess
from pathlib import Path

import psutil

logger = logging.getLogger("erpkeeper.agent")

INVENTORY_PATH = "/api/v1/assets/inventory/"
DMI = Path("/sys/class/dmi/id")
SYS_BLOCK = Path("/sys/block")
SKIPPED_DISKS = ("loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd")
SMART_TIMEOUT_S = 20
REALLOCATED_ID = 5  # ATA attribute 5: Reallocated_Sector_Ct
ERP_PACKAGES = ("trytond",)


def read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""  # absent, or root only (product_serial): left out, never guessed


def dmi_facts(root: Path = DMI) -> dict:
    vendor = read_text(root / "sys_vendor")
    model = read_text(root / "product_name")
    serial = read_text(root / "product_serial")
    placeholders = {"", "None", "To be filled by O.E.M.", "Default string", "Not Specified"}
    return {
        "vendor": "" if vendor in placeholders else vendor,
        "model": "" if model in placeholders else model,
        "serial": "" if serial in placeholders else serial,
    }


def cpu_text() -> str:
    name = ""
    for line in read_text(Path("/proc/cpuinfo")).splitlines():
        if line.lower().startswith("model name"):
            name = line.split(":", 1)[1].strip()
            break
    name = name or platform.processor() or platform.machine()
    cores = psutil.cpu_count(logical=True) or 0
    return f"{name} × {cores}" if cores else name


def os_text() -> str:
    release = {}
    for line in read_text(Path("/etc/os-release")).splitlines():
        key, _sep, value = line.partition("=")
        release[key] = value.strip().strip('"')
    name = release.get("PRETTY_NAME") or f"{platform.system()} {platform.release()}"
    return f"{name} (kernel {platform.release()})"


def block_devices(root: Path = SYS_BLOCK) -> list[str]:
    try:
        names = sorted(p.name for p in root.iterdir())
    except OSError:
        return []
    return [n for n in names if not n.startswith(SKIPPED_DISKS)]


def disk_facts(name: str, smartctl: str | None) -> dict:
    device = SYS_BLOCK / name
    sectors = read_text(device / "size")
    disk = {
        "device": f"/dev/{name}",
        "model": read_text(device / "device" / "model"),
        "serial": read_text(device / "device" / "serial"),
        "size_bytes": int(sectors) * 512 if sectors.isdigit() else None,
        "smart_health": "unknown",
        "reallocated_sectors": None,
        "temperature_c": None,
        "power_on_hours": None,
    }
    if smartctl:
        disk.update(smart_facts(run_smartctl(smartctl, disk["device"])))
    return disk


def run_smartctl(smartctl: str, device: str) -> dict:
    try:
        done = subprocess.run(
            [smartctl, "--json", "-H", "-A", "-i", device],
            capture_output=True,
            timeout=SMART_TIMEOUT_S,
            check=False,
        )
        # Its exit status is a bit mask of findings; the JSON says what it could read.
        return json.loads(done.stdout or b"{}")
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        logger.warning("smartctl %s failed: %s", device, exc)
        return {}


def smart_facts(report: dict) -> dict:
    """The parts of ``smartctl --json`` the asset keeps; nothing for what it could not read."""
    facts = {}
    status = report.get("smart_status")
    if isinstance(status, dict) and "passed" in status:
        facts["smart_health"] = "passed" if status["passed"] else "failed"
    for attribute in (report.get("ata_smart_attributes") or {}).get("table", []):
        if attribute.get("id") == REALLOCATED_ID:
            facts["reallocated_sectors"] = (attribute.get("raw") or {}).get("value")
    nvme = report.get("nvme_smart_health_information_log") or {}
    if "media_errors" in nvme and "reallocated_sectors" not in facts:
        facts["reallocated_sectors"] = nvme["media_errors"]
    temperature = (report.get("temperature") or {}).get("current")
    if temperature is not None:
        facts["temperature_c"] = temperature
    hours = (report.get("power_on_time") or {}).get("hours")
    if hours is not None:
        facts["power_on_hours"] = hours
    for key in ("model_name", "serial_number"):
        if report.get(key):
            facts["model" if key == "model_name" else "serial"] = report[key]
    return facts


def interfaces() -> list[dict]:
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        if name == "lo":
            continue
        mac = next((a.address for a in addresses if a.family == psutil.AF_LINK), "")
        ips = [a.address for a in addresses if a.family.name in ("AF_INET", "AF_INET6")]
        stat = stats.get(name)
        found.append(
            {
                "name": name,
                "mac": mac,
                "addresses": ips,
                "speed_mbps": stat.speed if stat and stat.speed > 0 else None,
                "up": bool(stat and stat.isup),
            }
        )
    return found


def erp_software(venv: str | None) -> list[dict]:
    """The ERP's packages in its virtual environment, asked of that environment's Python."""
    if not venv:
        return []
    python = Path(venv) / "bin" / "python"
    script = (
        "import json, importlib.metadata as m\n"
        "found = {}\n"
        f"for name in {list(ERP_PACKAGES)!r}:\n"
        "    try: found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(found))\n"
    )
    try:
        done = subprocess.run(
            [str(python), "-c", script], capture_output=True, timeout=30, check=True, text=True
        )
        versions = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        logger.warning("cannot read the ERP's version in %s: %s", venv, exc)
        return []
    return [{"product": name, "version": version} for name, version in versions.items()]


def collect_inventory(erp_venv: str | None = None) -> dict:
    smartctl = shutil.which("smartctl")
    return {
        **dmi_facts(),
        "cpu": cpu_text(),
        "ram_bytes": psutil.virtual_memory().total,
        "os": os_text(),
        "disks": [disk_facts(name, smartctl) for name in block_devices()],
        "interfaces": interfaces(),
        "software": erp_software(erp_venv),
    }
