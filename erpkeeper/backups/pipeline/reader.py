"""An artifact back to plain bytes, checking everything on the way."""

from __future__ import annotations

import hashlib
from typing import Protocol

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap

from erpkeeper.lib.i18n import gettext as _

from .errors import damaged, missing_key, wrong_key
from .format import (
    CHUNK_WORD_SIZE,
    END_RECORD,
    HEADER_SIZE,
    MAX_CHUNK_INDEX,
    MAX_CHUNK_SIZE,
    TAG_SIZE,
    ChunkCipher,
    Header,
    associated_data,
    header_digest,
    parse_chunk_word,
    unwrap_data_key,
)
from .keys import RepositoryKey
from .writer import DEFAULT_CHUNK_SIZE, ArtifactStats


class Source(Protocol):
    def read(self, size: int = -1) -> bytes: ...


class _StoredBytes:
    """Exact reads from the source, hashing and counting every byte that passes."""

    def __init__(self, source: Source):
        self._source = source
        self._hash = hashlib.sha256()
        self.count = 0

    def read_exact(self, size: int) -> bytes:
        """``size`` bytes, or fewer only at the end of the source (sources may read short)."""
        data = self._source.read(size)
        if len(data) < size and data:
            parts = [data]
            missing = size - len(data)
            while missing and (more := self._source.read(missing)):
                parts.append(more)
                missing -= len(more)
            data = b"".join(parts)
        self._hash.update(data)
        self.count += len(data)
        return data

    def at_end(self) -> bool:
        return not self.read_exact(1)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Payload:
    """The chunk layer as a stream: verified chunk payloads one after another, for zstd."""

    def __init__(self, stored: _StoredBytes, digest: bytes, cipher: ChunkCipher | None, name: str):
        self._stored = stored
        self._digest = digest
        self._cipher = cipher
        self._name = name
        self._index = 0
        self._pending = memoryview(b"")
        self.recorded_raw_bytes: int | None = None  # from the end record, once reached

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            if self.recorded_raw_bytes is not None:
                return b""
            self._next_chunk()
        if size < 0 or size >= len(self._pending):
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def _next_chunk(self) -> None:
        index = self._index
        length, final = self._read_chunk_word(index)
        body = self._stored.read_exact(length)
        if len(body) < length:
            raise damaged(self._name, _("it ends inside chunk %(index)d") % {"index": index})
        if self._cipher is not None:
            body = self._decrypt(index, body, final)
        self._index = index + 1
        if final:
            self._end(body)
        else:
            self._pending = memoryview(body)

    def _read_chunk_word(self, index: int) -> tuple[int, bool]:
        word = self._stored.read_exact(CHUNK_WORD_SIZE)
        if len(word) < CHUNK_WORD_SIZE:
            raise damaged(self._name, self._truncation(index))
        length, final = parse_chunk_word(word)
        overhead = TAG_SIZE if self._cipher is not None else 0
        if index > MAX_CHUNK_INDEX or length > MAX_CHUNK_SIZE + overhead:
            raise damaged(
                self._name, _("chunk %(index)d has an impossible length") % {"index": index}
            )
        if final and length != END_RECORD.size + overhead:
            raise damaged(
                self._name,
                _("its end record (chunk %(index)d) has the wrong length") % {"index": index},
            )
        return length, final

    @staticmethod
    def _truncation(index: int) -> str:
        if index == 0:
            return _("it ends after its header (truncated)")
        return _("it ends after chunk %(index)d without its end record (truncated)") % {
            "index": index - 1
        }

    def _decrypt(self, index: int, body: bytes, final: bool) -> bytes:
        try:
            return self._cipher.open(index, body, associated_data(self._digest, index, final))
        except InvalidTag:
            raise damaged(
                self._name, _("chunk %(index)d failed authentication") % {"index": index}
            ) from None

    def _end(self, record: bytes) -> None:
        if not self._stored.at_end():
            raise damaged(self._name, _("there are extra bytes after its end record"))
        (self.recorded_raw_bytes,) = END_RECORD.unpack(record)


class ArtifactReader:
    """File-like ``read(n)`` of an artifact's plain bytes; ``close()`` leaves the source open.

    After the last read (the one returning b""), ``sha256``, ``raw_bytes`` and ``stats`` hold
    what was read; every check has passed by then.
    """

    def __init__(self, source: Source, *, key: RepositoryKey | None, name: str = ""):
        self.name = name
        self.raw_bytes = 0
        self.sha256: str | None = None
        self._stored = _StoredBytes(source)
        header_bytes = self._stored.read_exact(HEADER_SIZE)
        header = Header.parse(header_bytes, name)
        cipher = _cipher_for(header, key, name)
        self._payload = _Payload(self._stored, header_digest(header_bytes), cipher, name)
        self._zstd = zstandard.ZstdDecompressor().stream_reader(
            self._payload, read_size=DEFAULT_CHUNK_SIZE, closefd=False
        )

    @property
    def stored_bytes(self) -> int:
        return self._stored.count

    @property
    def stats(self) -> ArtifactStats | None:
        if self.sha256 is None:
            return None
        return ArtifactStats(self.raw_bytes, self.stored_bytes, self.sha256)

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(DEFAULT_CHUNK_SIZE), b""))
        if self.sha256 is not None or n == 0:
            return b""
        try:
            data = self._zstd.read(n)
        except zstandard.ZstdError as error:
            raise damaged(
                self.name, _("its compressed data is invalid (%(error)s)") % {"error": error}
            ) from None
        if not data:
            self._check_end()
        self.raw_bytes += len(data)
        return data

    def close(self) -> None:
        self._zstd.close()

    def _check_end(self) -> None:
        if self._payload.read():
            raise damaged(self.name, _("there is data after the end of its compressed stream"))
        if self._payload.recorded_raw_bytes != self.raw_bytes:
            raise damaged(
                self.name,
                _("it holds %(found)d bytes but its end record says %(recorded)d")
                % {"found": self.raw_bytes, "recorded": self._payload.recorded_raw_bytes},
            )
        self.sha256 = self._stored.hexdigest()


def _cipher_for(header: Header, key: RepositoryKey | None, name: str) -> ChunkCipher | None:
    """The chunk cipher, after checking the key against the header's fingerprint (so a wrong
    key is named as such and never mistaken for damage)."""
    if not header.encrypted:
        return None
    if key is None:
        raise missing_key(name, header.short_fingerprint)
    if header.fingerprint.hex() != key.fingerprint:
        raise wrong_key(name, header.short_fingerprint, key.short_fingerprint)
    try:
        return ChunkCipher(unwrap_data_key(header, key), header.nonce_prefix)
    except InvalidUnwrap:
        raise damaged(name, _("its wrapped data key failed to unwrap")) from None


def open_reader(source: Source, *, key: RepositoryKey | None, name: str = "") -> ArtifactReader:
    """Reads and checks the header now: a wrong or missing key fails here, before any data."""
    return ArtifactReader(source, key=key, name=name)


def verify(
    source: Source,
    *,
    key: RepositoryKey | None,
    expected_sha256: str | None = None,
    expected_raw_bytes: int | None = None,
    name: str = "",
) -> ArtifactStats:
    """Decrypt and decompress everything (discarding it) and compare with the manifest."""
    reader = open_reader(source, key=key, name=name)
    while reader.read(DEFAULT_CHUNK_SIZE):
        pass
    stats = reader.stats
    if expected_sha256 is not None and stats.sha256 != expected_sha256.lower():
        raise damaged(
            name,
            _("its SHA-256 is %(found)s, the manifest records %(expected)s")
            % {"found": stats.sha256, "expected": expected_sha256},
        )
    if expected_raw_bytes is not None and stats.raw_bytes != expected_raw_bytes:
        raise damaged(
            name,
            _("it holds %(found)d bytes of data, the manifest records %(expected)d")
            % {"found": stats.raw_bytes, "expected": expected_raw_bytes},
        )
    return stats
