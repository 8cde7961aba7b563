"""This machine through psutil: CPU, load, memory, disks, network, processes, the ERP server.

Metrics (labels in braces):
  host.cpu.percent · host.cpu.cores · host.load.1 / .5 / .15 · host.memory.percent
  host.memory.used_bytes · host.memory.total_bytes · host.swap.percent
  host.disk.percent {mount} · host.disk.free_bytes {mount}
  host.disk.read_bytes_per_s / write_bytes_per_s {device} · host.net.rx_bytes_per_s /
  tx_bytes_per_s {nic} · host.processes
  erp.process.cpu_percent {pid, name} · erp.process.rss_bytes {pid, name} · erp.processes

Rates compare with the previous call, so the first call gives none. CPU percentages never block:
psutil measures since the previous call (primed when the collector is made).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence

import psutil

from erpkeeper.monitoring.collectors.base import Collector, RateTracker, Sample

# Filesystems that hold no data worth watching for space (kernel, memory, images, containers).
PSEUDO_FILESYSTEMS = {
    "tmpfs", "devtmpfs", "squashfs", "overlay", "proc", "sysfs", "cgroup", "cgroup2", "devpts",
    "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "autofs", "fusectl", "configfs",
    "nsfs", "ramfs", "hugetlbfs", "binfmt_misc", "bpf", "efivarfs", "iso9660",
}  # fmt: skip
IGNORED_DISK_PREFIXES = ("loop", "ram", "zram", "sr")  # loop images, RAM disks, optical drives
IGNORED_NIC_PREFIXES = ("lo", "ifb", "veth", "docker", "br-", "virbr")  # loopback and virtual
ERP_PROCESS_NAMES = ("trytond",)  # trytond, trytond-cron, trytond-worker …
PROCESS_RESCAN_SECONDS = 60  # finding the ERP processes reads every /proc/*/cmdline: not often


class HostCollector(Collector):
    name = "host"

    def __init__(self, erp_pids: Sequence[int] = (), erp_names: Sequence[str] = ERP_PROCESS_NAMES):
        super().__init__()
        self.erp_pids = tuple(erp_pids)
        self.erp_names = tuple(erp_names)
        self.rates = RateTracker()
        self._erp_processes: list[psutil.Process] = []
        self._last_scan = float("-inf")
        self._measured: set[int] = set()
        psutil.cpu_percent(interval=None)  # prime: the next call measures since now

    def collect(self, now: dt.datetime) -> list[Sample]:
        at = time.monotonic()
        return [
            *self._cpu_and_memory(now),
            *self._filesystems(now),
            *self._disk_io(now, at),
            *self._network(now, at),
            *self._erp_server(now, at),
        ]

    def _cpu_and_memory(self, now):
        memory = psutil.virtual_memory()
        load1, load5, load15 = os.getloadavg()
        return [
            self.sample("host.cpu.percent", psutil.cpu_percent(interval=None), now, "%"),
            # Cores and RAM: what the capacity advice weighs the percentages against.
            self.sample("host.cpu.cores", psutil.cpu_count() or 1, now),
            self.sample("host.load.1", load1, now),
            self.sample("host.load.5", load5, now),
            self.sample("host.load.15", load15, now),
            self.sample("host.memory.percent", memory.percent, now, "%"),
            self.sample("host.memory.used_bytes", memory.total - memory.available, now, "B"),
            self.sample("host.memory.total_bytes", memory.total, now, "B"),
            self.sample("host.swap.percent", psutil.swap_memory().percent, now, "%"),
            self.sample("host.processes", len(psutil.pids()), now),
        ]

    def _filesystems(self, now):
        samples, seen = [], set()
        for part in psutil.disk_partitions(all=False):
            if part.fstype in PSEUDO_FILESYSTEMS or part.device in seen:
                continue  # a device mounted twice (bind mounts) is counted once
            seen.add(part.device)
            try:
                usage = psutil.disk_usage(part.mountpoint)
            except OSError:
                continue  # unmounted meanwhile, or not readable by this user
            mount = part.mountpoint
            samples.append(self.sample("host.disk.percent", usage.percent, now, "%", mount=mount))
            samples.append(self.sample("host.disk.free_bytes", usage.free, now, "B", mount=mount))
        return samples

    def _disk_io(self, now, at):
        samples = []
        for device, io in (psutil.disk_io_counters(perdisk=True) or {}).items():
            if device.startswith(IGNORED_DISK_PREFIXES):
                continue
            for metric, counter in (("read", io.read_bytes), ("write", io.write_bytes)):
                rate = self.rates.rate(f"disk:{device}:{metric}", counter, at)
                if rate is not None:
                    name = f"host.disk.{metric}_bytes_per_s"
                    samples.append(self.sample(name, rate, now, "B/s", device=device))
        return samples

    def _network(self, now, at):
        samples = []
        for nic, io in (psutil.net_io_counters(pernic=True) or {}).items():
            if nic.startswith(IGNORED_NIC_PREFIXES):
                continue
            for metric, counter in (("rx", io.bytes_recv), ("tx", io.bytes_sent)):
                rate = self.rates.rate(f"nic:{nic}:{metric}", counter, at)
                if rate is not None:
                    name = f"host.net.{metric}_bytes_per_s"
                    samples.append(self.sample(name, rate, now, "B/s", nic=nic))
        return samples

    # ------------------------------------------------------------------ the ERP server

    def _erp_server(self, now, at):
        if at - self._last_scan >= PROCESS_RESCAN_SECONDS:
            self._erp_processes = self._find_erp_processes()
            self._last_scan = at
        samples, alive = [], []
        for process in self._erp_processes:
            try:
                with process.oneshot():
                    cpu = process.cpu_percent(None)
                    rss = process.memory_info().rss
                    name = process.name()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue  # gone: the next scan finds its successor
            alive.append(process)
            labels = {"pid": process.pid, "name": name}
            if process.pid in self._measured:  # psutil's first reading of a process means nothing
                samples.append(self.sample("erp.process.cpu_percent", cpu, now, "%", **labels))
            self._measured.add(process.pid)
            samples.append(self.sample("erp.process.rss_bytes", rss, now, "B", **labels))
        if len(alive) < len(self._erp_processes):
            self._last_scan = float("-inf")  # look for the restarted server at the next call
        self._erp_processes = alive
        if alive:  # the ERP's worker processes, weighed against the cores
            samples.append(self.sample("erp.processes", len(alive), now))
        return samples

    def _find_erp_processes(self) -> list[psutil.Process]:
        # Keep the Process objects already known: psutil measures CPU since their last reading.
        known = {process.pid: process for process in self._erp_processes}
        found = []
        for process in psutil.process_iter(["pid", "name", "cmdline"]):
            if process.info["pid"] in self.erp_pids or self._is_erp(process.info):
                previous = known.get(process.pid)
                found.append(previous if previous == process else process)
        self._measured &= {process.pid for process in found}
        return found

    def _is_erp(self, info: dict) -> bool:
        # A Python entry point shows as "python …/bin/trytond": look at the first two words too.
        words = [info.get("name") or "", *(info.get("cmdline") or [])[:2]]
        return any(os.path.basename(word).startswith(self.erp_names) for word in words if word)
