"""File store backup engine: a directory tree (e.g. Tryton's data path) streamed as one
uncompressed pax tar, artifact ``files.tar`` (the pipeline compresses and encrypts it).

A directory has no transactions, so the walk takes what it finds: files that vanish during the
walk are left out and listed in ``details["skipped"]`` (with sockets, FIFOs and devices, which a
file store should not hold); files that change while being read are stored as read and listed
in ``details["changed"]`` (a file that shrank is padded with zeros). Each list keeps the first
100 paths, ``details["skipped_count"]``/``["changed_count"]`` count them all. Symlinks are
stored as symlinks and never followed; hard links within the tree stay hard links.

Restores extract into ``<dest>.partial`` and rename it into place, so ``dest`` is never half
written. Extraction uses tarfile's ``data`` filter (no absolute paths, no ``..``, no device
files, no setuid bits) except that symlinks keep their target as stored, wherever it points.
On top of the filter, and in its place on Pythons without one, a member whose path runs through
an earlier symlink member, or that climbs out with ``..``, is refused.
"""

from __future__ import annotations

import errno
import os
import platform
import secrets
import shutil
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from erpkeeper.backups.engines import register
from erpkeeper.backups.engines.base import (
    ArtifactSink,
    ArtifactSource,
    DestinationExists,
    DumpResult,
    Engine,
    EngineError,
    Progress,
    RestoreResult,
)
from erpkeeper.lib.i18n import gettext as _

ARTIFACT = "files.tar"
BLOCK = 1 << 20
LISTED_PATHS = 100
HAS_FILTERS = hasattr(tarfile, "data_filter")  # Python 3.11.4+


def directory_of(path: str) -> Path:
    return Path(path).expanduser().resolve()


def tree_entries(root: Path):
    """Every entry below ``root``, depth first; symlinks are not followed."""
    with os.scandir(root) as entries:
        for entry in entries:
            yield entry
            if entry.is_dir(follow_symlinks=False):
                yield from tree_entries(Path(entry.path))


class Counting:
    """Reports the bytes that pass through a writer or a reader as progress."""

    def __init__(self, stream, progress: Progress, message: str):
        self.stream = stream
        self.progress = progress
        self.message = message
        self.done = 0

    def _count(self, data: bytes) -> bytes:
        self.done += len(data)
        self.progress(self.done, self.message)
        return data

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self._count(data)

    def read(self, size: int = -1) -> bytes:
        return self._count(self.stream.read(size))


class SizedReader:
    """Exactly ``size`` bytes of a file, as its tar header promised: zeros stand in for what a
    file that shrank meanwhile no longer has."""

    def __init__(self, handle, size: int):
        self.handle = handle
        self.remaining = size
        self.short = False

    def read(self, size: int) -> bytes:
        size = min(size, self.remaining)
        data = self.handle.read(size)
        if len(data) < size:
            self.short = True
            data += bytes(size - len(data))
        self.remaining -= size
        return data


@dataclass
class PathList:
    paths: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, path: str) -> None:
        self.count += 1
        if len(self.paths) < LISTED_PATHS:
            self.paths.append(path)


@dataclass
class TreeArchiver:
    tar: tarfile.TarFile
    files: int = 0
    bytes: int = 0
    directories: int = 0
    symlinks: int = 0
    skipped: PathList = field(default_factory=PathList)
    changed: PathList = field(default_factory=PathList)

    def add_tree(self, directory: Path, prefix: str = "") -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except FileNotFoundError:
            self.skipped.add(prefix.rstrip("/"))
            return
        for entry in entries:
            name = prefix + entry.name
            try:
                self.add_entry(entry, name)
            except FileNotFoundError:
                self.skipped.add(name)

    def add_entry(self, entry: os.DirEntry, name: str) -> None:
        if entry.is_file(follow_symlinks=False):
            self.add_file(entry.path, name)
        elif entry.is_symlink():
            self.symlinks += self.add_header(entry.path, name, tarfile.SYMTYPE)
        elif entry.is_dir(follow_symlinks=False):
            if self.add_header(entry.path, name, tarfile.DIRTYPE):
                self.directories += 1
                self.add_tree(Path(entry.path), name + "/")
        else:
            self.skipped.add(name)

    def add_header(self, path: str, name: str, kind: bytes) -> bool:
        info = self.tar.gettarinfo(path, name)  # lstat: what is there now
        if info.type != kind:  # replaced by another kind of entry since the listing
            self.changed.add(name)
            return False
        self.tar.addfile(info)
        return True

    def add_file(self, path: str, name: str) -> None:
        try:
            # O_NOFOLLOW: a file replaced by a symlink meanwhile is not followed;
            # O_NONBLOCK: nor does a FIFO put there block the backup.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) or exc.errno == errno.ELOOP:
                self.skipped.add(name)
                return
            raise
        with os.fdopen(fd, "rb") as handle:
            before = os.fstat(fd)
            info = self.tar.gettarinfo(arcname=name, fileobj=handle)
            if not (info.isreg() or info.islnk()):
                self.changed.add(name)
                return
            reader = SizedReader(handle, info.size)
            self.tar.addfile(info, reader)
            after = os.fstat(fd)
        if reader.short or (before.st_size, before.st_mtime_ns) != (
            after.st_size,
            after.st_mtime_ns,
        ):
            self.changed.add(name)
        self.files += 1
        self.bytes += info.size

    def details(self) -> dict:
        return {
            "bytes": self.bytes,
            "directories": self.directories,
            "symlinks": self.symlinks,
            "skipped": self.skipped.paths,
            "skipped_count": self.skipped.count,
            "changed": self.changed.paths,
            "changed_count": self.changed.count,
        }


@register
class FileStoreEngine(Engine):
    """``url``: the directory to back up. Restore destinations are directories."""

    name = "filestore"
    label = "File store"

    def __init__(self, url: str):
        super().__init__(url)
        self.root = directory_of(url)

    def estimate_bytes(self) -> int:
        return sum(
            entry.stat(follow_symlinks=False).st_size
            for entry in tree_entries(self.root)
            if entry.is_file(follow_symlinks=False)
        )

    def dump(
        self, sink: ArtifactSink, progress: Progress, *, jobs: int | None = None
    ) -> DumpResult:
        if not self.root.is_dir():
            raise EngineError(_("file store directory not found: {path}").format(path=self.root))
        writer = sink.open(ARTIFACT)
        try:
            counting = Counting(writer, progress, _("archiving the file store"))
            with tarfile.open(fileobj=counting, mode="w|", bufsize=BLOCK) as tar:
                archiver = TreeArchiver(tar)
                archiver.add_tree(self.root)
        except OSError as exc:
            raise EngineError(
                _("cannot archive the file store: {error}").format(error=exc)
            ) from None
        finally:
            writer.close()
        return DumpResult(
            artifacts=[ARTIFACT],
            engine_version=f"pax tar (Python {platform.python_version()})",
            row_counts={"files": archiver.files},
            raw_bytes=counting.done,
            details=archiver.details(),
        )

    def restore(
        self,
        source: ArtifactSource,
        artifacts: list[str],
        dest: str,
        progress: Progress,
        *,
        jobs: int | None = None,
        replace: bool = False,
    ) -> RestoreResult:
        if artifacts != [ARTIFACT]:
            raise EngineError(
                _("not a file store backup: expected the artifact {name}").format(name=ARTIFACT)
            )
        target = directory_of(dest)
        if occupied(target) and not replace:
            raise DestinationExists(
                _("{path} exists and is not empty (use replace to overwrite it)").format(
                    path=target
                )
            )
        partial = target.with_name(target.name + ".partial")
        remove_path(partial)  # left over by an interrupted restore
        partial.mkdir(mode=0o700, parents=True)
        try:
            size, files = extract(source, partial, progress)
            if target.is_dir():
                os.chmod(partial, stat.S_IMODE(target.stat().st_mode))
            swap_into_place(partial, target)
        finally:
            remove_path(partial)
        return RestoreResult(raw_bytes=size, details={"path": str(target), "files": files})

    def row_counts(self, url: str) -> dict[str, int]:
        root = directory_of(url)
        if not root.is_dir():
            raise EngineError(_("file store directory not found: {path}").format(path=root))
        return {"files": sum(entry.is_file(follow_symlinks=False) for entry in tree_entries(root))}

    def drop(self, dest: str) -> None:
        remove_path(directory_of(dest))

    def exists(self, dest: str) -> bool:
        return directory_of(dest).exists()


def occupied(path: Path) -> bool:
    if not path.is_dir():
        return path.exists()
    with os.scandir(path) as entries:
        return next(entries, None) is not None


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def swap_into_place(partial: Path, target: Path) -> None:
    """Rename ``partial`` to ``target``; an old target is moved aside first, deleted last."""
    if not target.exists():
        os.rename(partial, target)
        return
    aside = target.with_name(f"{target.name}.old-{secrets.token_hex(4)}")
    os.rename(target, aside)
    try:
        os.rename(partial, target)
    except OSError:
        os.rename(aside, target)
        raise
    remove_path(aside)


def extract(source: ArtifactSource, partial: Path, progress: Progress) -> tuple[int, int]:
    reader = source.open(ARTIFACT)
    try:
        counting = Counting(reader, progress, _("restoring the file store"))
        with tarfile.open(fileobj=counting, mode="r|", bufsize=BLOCK) as tar:
            members = SafeMembers(tar)
            options = {"filter": extraction_filter} if HAS_FILTERS else {}
            tar.extractall(partial, members=members, **options)  # noqa: S202 (checked)
    except (tarfile.TarError, OSError) as exc:  # FilterError included
        raise EngineError(
            _("cannot restore the file store archive: {error}").format(error=exc)
        ) from None
    finally:
        reader.close()
    return counting.done, members.files


def extraction_filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    if member.issym():  # a stored symlink is restored as it was, wherever it points
        return tarfile.tar_filter(member, path)
    return tarfile.data_filter(member, path)


class SafeMembers:
    """The archive's members, refusing any that could write outside the destination."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.symlinks: set[PurePosixPath] = set()
        self.files = 0

    def __iter__(self):
        for member in self.tar:
            self.check(member)
            if member.issym():
                self.symlinks.add(PurePosixPath(member.name))
            self.files += member.isreg() or member.islnk()
            yield member

    def check(self, member: tarfile.TarInfo) -> None:
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            self.refuse(member, _("not a file, directory or link"))
        paths = [member.name, member.linkname] if member.islnk() else [member.name]
        for raw in paths:
            path = PurePosixPath(raw)
            if path.is_absolute() or ".." in path.parts:
                self.refuse(member, _("absolute path or '..'"))
            if self.symlinks.intersection((path, *path.parents)):
                self.refuse(member, _("path through a symlink"))

    @staticmethod
    def refuse(member: tarfile.TarInfo, reason: str) -> None:
        raise EngineError(
            _("refusing the file store archive: unsafe member {name!r} ({reason})").format(
                name=member.name, reason=reason
            )
        )
