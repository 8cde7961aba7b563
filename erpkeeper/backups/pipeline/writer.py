"""Plain bytes in; header, compressed (and encrypted) chunks and an end record out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import zstandard

from erpkeeper.lib.i18n import gettext as _

from .errors import PipelineError
from .format import (
    END_RECORD,
    MAX_CHUNK_INDEX,
    MAX_CHUNK_SIZE,
    associated_data,
    chunk_word,
    header_digest,
    new_header,
)
from .keys import RepositoryKey

DEFAULT_CHUNK_SIZE = 1 << 20


class Sink(Protocol):
    def write(self, data: bytes) -> object: ...


@dataclass(frozen=True)
class ArtifactStats:
    raw_bytes: int  # plaintext bytes, before compression
    stored_bytes: int  # bytes of the artifact itself
    sha256: str  # hex SHA-256 of the stored bytes, what the manifest records


class ArtifactWriter:
    """Streams one artifact into ``sink``. One writer per thread; writers are independent.

    Memory stays at about one chunk plus zstd's own buffers whatever the size written.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        key: RepositoryKey | None,
        level: int = 3,
        threads: int = 2,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ):
        if not 0 < chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE}")
        self._sink = sink
        self._hash = hashlib.sha256()
        self._raw_bytes = 0
        self._stored_bytes = 0
        self._index = 0
        self._stats: ArtifactStats | None = None
        self.failure: BaseException | None = None  # the first write that failed
        header, self._cipher = new_header(key)
        header_bytes = header.to_bytes()
        self._header_digest = header_digest(header_bytes)
        compressor = zstandard.ZstdCompressor(level=level, threads=threads, write_checksum=True)
        # The chunker hands back compressed output in exactly chunk_size pieces, cut in C.
        self._chunker = compressor.chunker(chunk_size=chunk_size)
        self._store(header_bytes)

    def write(self, data: bytes) -> int:
        self._check_writable()
        try:
            for chunk in self._chunker.compress(data):
                self._emit(chunk, final=False)
        except BaseException as exc:
            self.failure = self.failure or exc
            raise
        self._raw_bytes += len(data)
        return len(data)

    def finish(self) -> ArtifactStats:
        """Flush and write the end record; the sink stays open. Repeated calls are harmless."""
        if self._stats is None:
            self._check_writable()
            try:
                for chunk in self._chunker.finish():
                    self._emit(chunk, final=False)
                self._emit(END_RECORD.pack(self._raw_bytes), final=True)
            except BaseException as exc:
                self.failure = self.failure or exc
                raise
            self._stats = ArtifactStats(self._raw_bytes, self._stored_bytes, self._hash.hexdigest())
        return self._stats

    def close(self) -> ArtifactStats | None:
        """finish(), for engines that close their writers. After a failed write it writes
        nothing and returns None, so cleanup code does not hide the original error."""
        if self.failure is not None:
            return None
        return self.finish()

    def _check_writable(self) -> None:
        if self.failure is not None:
            raise PipelineError(_("an earlier write to this artifact failed; it is incomplete"))
        if self._stats is not None:
            raise PipelineError(_("this artifact is already finished"))

    def _emit(self, body: bytes, *, final: bool) -> None:
        index = self._index
        if index > MAX_CHUNK_INDEX:
            raise PipelineError(_("the artifact is too large for one backup file"))
        if self._cipher is not None:
            body = self._cipher.seal(
                index, body, associated_data(self._header_digest, index, final)
            )
        self._store(chunk_word(len(body), final))
        self._store(body)
        self._index = index + 1

    def _store(self, data: bytes) -> None:
        # Hash as the bytes pass: re-reading what a remote sink stored is not possible.
        self._hash.update(data)
        _write_all(self._sink, data)
        self._stored_bytes += len(data)


def _write_all(sink: Sink, data: bytes) -> None:
    """Raw files, pipes and sockets may take fewer bytes than offered; write the rest."""
    written = sink.write(data)
    view = memoryview(data)
    # Sinks that return nothing (or not a count) are taken to have written everything.
    while isinstance(written, int) and written < len(view):
        if written <= 0:
            raise OSError(_("the backup destination accepted no bytes"))
        view = view[written:]
        written = sink.write(view)
