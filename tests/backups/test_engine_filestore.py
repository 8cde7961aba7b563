"""File store backup engine: a directory tree survives the round trip byte for byte, files
that vanish or change during the walk are reported, and no archive can write outside the
destination."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import DestinationExists, EngineError
from erpkeeper.backups.engines.filestore import FileStoreEngine
from tests.fixtures.backups import FileSink, FileSource, no_progress


def build_tree(root: Path) -> None:
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "a" / "b" / "c" / "deep.txt").write_text("deep\n")
    (root / "发票").mkdir()
    (root / "发票" / "2024年 报表.pdf").write_bytes(os.urandom(300_000))
    (root / "ünïcödé.txt").write_text("ünïcödé\n")
    (root / "empty").write_bytes(b"")
    (root / "empty-dir").mkdir()
    os.symlink("a/b/c/deep.txt", root / "link-to-file")
    os.symlink("a", root / "link-to-dir")
    os.symlink("/etc", root / "link-outside")  # stored as a link, never followed
    os.link(root / "empty", root / "hard-link")


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below root: kind plus content hash or link target."""
    entries = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            relative = str(path.relative_to(root))
            if path.is_symlink():
                entries[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                entries[relative] = ("dir",)
            else:
                entries[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return entries


def dump(root: Path, tmp_path: Path, progress=no_progress):
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir(exist_ok=True)
    result = FileStoreEngine(str(root)).dump(FileSink(artifacts), progress)
    return result, FileSource(artifacts)


@pytest.fixture
def store(tmp_path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    build_tree(root)
    return root


def test_the_engine_is_registered_as_filestore():
    assert get_engine("filestore") is FileStoreEngine


def test_round_trip_restores_an_identical_tree(store, tmp_path):
    engine = FileStoreEngine(str(store))
    result, source = dump(store, tmp_path)

    assert result.artifacts == ["files.tar"]
    assert result.row_counts == {"files": 5} == engine.row_counts(str(store))
    assert result.details["bytes"] == engine.estimate_bytes() == 300_000 + 5 + 12
    assert result.details["symlinks"] == 3
    assert result.details["skipped"] == result.details["changed"] == []

    restored = tmp_path / "restored"
    outcome = engine.restore(source, result.artifacts, str(restored), no_progress)

    assert outcome.raw_bytes == result.raw_bytes
    assert snapshot(restored) == snapshot(store)
    assert engine.row_counts(str(restored)) == result.row_counts
    assert (restored / "hard-link").stat().st_ino == (restored / "empty").stat().st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "restored", "store"]


def malicious_archive(directory: Path, *members: tarfile.TarInfo) -> FileSource:
    directory.mkdir()
    with tarfile.open(directory / "files.tar", "w") as tar:
        for member in members:
            data = b"owned\n" if member.isreg() else b""
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return FileSource(directory)


def symlink_member(name: str, target: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = tarfile.SYMTYPE
    member.linkname = target
    return member


@pytest.mark.parametrize(
    "members",
    [
        [tarfile.TarInfo("../evil")],
        [tarfile.TarInfo("ok/../../evil")],
        [symlink_member("escape", ".."), tarfile.TarInfo("escape/evil")],
    ],
    ids=["dot-dot", "dot-dot-inside", "through-a-symlink"],
)
def test_an_archive_that_would_write_outside_the_destination_is_refused(tmp_path, members):
    source = malicious_archive(tmp_path / "artifacts", *members)
    dest = tmp_path / "restore" / "here"

    with pytest.raises(EngineError, match="evil"):
        FileStoreEngine(str(dest)).restore(source, ["files.tar"], str(dest), no_progress)

    assert not (tmp_path / "evil").exists()
    assert not (tmp_path / "restore" / "evil").exists()
    assert list((tmp_path / "restore").iterdir()) == []


def test_a_non_empty_destination_is_refused_without_replace_and_replaced_with_it(store, tmp_path):
    result, source = dump(store, tmp_path)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    engine = FileStoreEngine(str(store))

    with pytest.raises(DestinationExists, match="not empty"):
        engine.restore(source, result.artifacts, str(dest), no_progress)
    assert snapshot(dest) == {"old.txt": ("file", hashlib.sha256(b"old").hexdigest())}

    engine.restore(source, result.artifacts, str(dest), no_progress, replace=True)
    assert snapshot(dest) == snapshot(store)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "dest", "store"]


def test_an_empty_existing_directory_is_a_valid_destination(store, tmp_path):
    result, source = dump(store, tmp_path)
    dest = tmp_path / "empty-dest"
    dest.mkdir()

    FileStoreEngine(str(store)).restore(source, result.artifacts, str(dest), no_progress)

    assert snapshot(dest) == snapshot(store)


def test_files_that_vanish_or_shrink_during_the_walk_are_reported(tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    (root / "a-big.bin").write_bytes(os.urandom(3 << 20))
    (root / "z-vanishing.txt").write_text("soon gone")
    events = []

    def meddle(done, message):
        if not events:  # while the big file is read: shrink it and delete a later one
            events.append(done)
            (root / "a-big.bin").write_bytes(b"short now")
            (root / "z-vanishing.txt").unlink()

    result, source = dump(root, tmp_path, meddle)

    assert result.details["changed"] == ["a-big.bin"]
    assert result.details["skipped"] == ["z-vanishing.txt"]
    assert result.details["skipped_count"] == result.details["changed_count"] == 1
    restored = tmp_path / "restored"
    FileStoreEngine(str(root)).restore(source, result.artifacts, str(restored), no_progress)
    assert (restored / "a-big.bin").stat().st_size == 3 << 20  # as promised by its header
    assert not (restored / "z-vanishing.txt").exists()


def test_cancelling_closes_the_writer_and_a_cancelled_restore_leaves_nothing(store, tmp_path):
    result, source = dump(store, tmp_path)
    sink = FileSink(tmp_path)

    def cancel(done, message):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        FileStoreEngine(str(store)).dump(sink, cancel)
    assert [handle.closed for handle in sink.opened] == [True]

    dest = tmp_path / "dest"
    with pytest.raises(KeyboardInterrupt):
        FileStoreEngine(str(store)).restore(source, result.artifacts, str(dest), cancel)
    assert not dest.exists()
    assert not (tmp_path / "dest.partial").exists()


def test_drop_removes_a_restored_tree(store, tmp_path):
    result, source = dump(store, tmp_path)
    dest = tmp_path / "scratch"
    engine = FileStoreEngine(str(store))
    engine.restore(source, result.artifacts, str(dest), no_progress)
    assert engine.exists(str(dest))

    engine.drop(str(dest))

    assert not engine.exists(str(dest))
    assert (store / "a" / "b" / "c" / "deep.txt").exists()  # links were not followed


def test_a_missing_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(EngineError, match="not found"):
        FileStoreEngine(str(tmp_path / "missing")).dump(FileSink(tmp_path), no_progress)
