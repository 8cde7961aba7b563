"""The artifact's byte layout, shared by the writer and the reader.

docs/backup-format.md describes the same layout for people; keep the two in step.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from erpkeeper.lib.i18n import gettext as _

from .errors import damaged
from .keys import KEY_SIZE, RepositoryKey

# PNG-style: the high byte catches 7-bit transports, CR LF catches newline translation.
MAGIC = b"\x89ERPK\r\n\x1a"
FORMAT_VERSION = 1
FLAG_ENCRYPTED = 0x01
FLAG_ZSTD = 0x02

NONCE_PREFIX_SIZE = 8
WRAPPED_KEY_SIZE = KEY_SIZE + 8  # RFC 3394 adds one 64-bit block
_HEADER_FIELDS = struct.Struct(f">8sBB32s{WRAPPED_KEY_SIZE}s{NONCE_PREFIX_SIZE}s")
HEADER_CHECK_SIZE = 8
HEADER_SIZE = _HEADER_FIELDS.size + HEADER_CHECK_SIZE

CHUNK_WORD_SIZE = 4
_FINAL_BIT = 0x8000_0000
_LENGTH_MASK = 0x7FFF_FFFF
TAG_SIZE = 16
MAX_CHUNK_SIZE = (
    16 << 20
)  # readers refuse longer chunks instead of allocating what a bad length says
MAX_CHUNK_INDEX = 0xFFFF_FFFF  # the nonce's counter is 32 bits
END_RECORD = struct.Struct(">Q")  # the final chunk holds only the number of raw bytes

_NO_KEY_FIELDS = (bytes(32), bytes(WRAPPED_KEY_SIZE), bytes(NONCE_PREFIX_SIZE))


@dataclass(frozen=True)
class Header:
    encrypted: bool
    fingerprint: bytes  # raw SHA-256 of the repository key; zeros when not encrypted
    wrapped_key: bytes  # the artifact's data key wrapped by the repository key; zeros if plain
    nonce_prefix: bytes

    def to_bytes(self) -> bytes:
        flags = FLAG_ZSTD | (FLAG_ENCRYPTED if self.encrypted else 0)
        fields = _HEADER_FIELDS.pack(
            MAGIC, FORMAT_VERSION, flags, self.fingerprint, self.wrapped_key, self.nonce_prefix
        )
        return fields + _header_check(fields)

    @classmethod
    def parse(cls, data: bytes, name: str) -> Header:
        if not data:
            raise damaged(name, _("it is empty"))
        if not MAGIC.startswith(data[: len(MAGIC)]):
            raise damaged(name, _("it does not start like an ERPKeeper backup artifact"))
        if len(data) < HEADER_SIZE:
            raise damaged(name, _("it ends inside its header"))
        fields = data[: _HEADER_FIELDS.size]
        if _header_check(fields) != data[_HEADER_FIELDS.size :]:
            raise damaged(name, _("its header failed its checksum"))
        _magic, version, flags, fingerprint, wrapped_key, prefix = _HEADER_FIELDS.unpack(fields)
        _check_version_and_flags(version, flags, name)
        return cls(bool(flags & FLAG_ENCRYPTED), fingerprint, wrapped_key, prefix)

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint.hex()[:16]


def _header_check(fields: bytes) -> bytes:
    # Unkeyed: it lets readers tell a damaged header from a wrong key. Deliberate tampering
    # is caught by the chunks' associated data, which binds the whole header.
    return hashlib.sha256(fields).digest()[:HEADER_CHECK_SIZE]


def _check_version_and_flags(version: int, flags: int, name: str) -> None:
    if version != FORMAT_VERSION:
        raise damaged(
            name,
            _("it has format version %(found)d, this ERPKeeper reads version %(known)d")
            % {"found": version, "known": FORMAT_VERSION},
        )
    if flags & ~FLAG_ENCRYPTED != FLAG_ZSTD:
        raise damaged(name, _("its header has unknown flags 0x%(flags)02x") % {"flags": flags})


def header_digest(header_bytes: bytes) -> bytes:
    return hashlib.sha256(header_bytes).digest()


def chunk_word(length: int, final: bool) -> bytes:
    return (length | _FINAL_BIT if final else length).to_bytes(CHUNK_WORD_SIZE, "big")


def parse_chunk_word(word: bytes) -> tuple[int, bool]:
    value = int.from_bytes(word, "big")
    return value & _LENGTH_MASK, bool(value & _FINAL_BIT)


def associated_data(digest: bytes, index: int, final: bool) -> bytes:
    """What each chunk's tag authenticates besides its bytes: which artifact, where, and
    whether it is the last, so swapped, dropped, cut or appended chunks fail."""
    return digest + struct.pack(">IB", index, final)


class ChunkCipher:
    """AES-256-GCM with the artifact's own data key; nonce = prefix || 32-bit chunk index."""

    def __init__(self, data_key: bytes, nonce_prefix: bytes):
        self._aead = AESGCM(data_key)
        self._nonce_prefix = nonce_prefix

    def seal(self, index: int, plaintext: bytes, aad: bytes) -> bytes:
        return self._aead.encrypt(self._nonce(index), plaintext, aad)

    def open(self, index: int, ciphertext: bytes, aad: bytes) -> bytes:
        """Raises cryptography's InvalidTag when the chunk is not exactly what was sealed."""
        return self._aead.decrypt(self._nonce(index), ciphertext, aad)

    def _nonce(self, index: int) -> bytes:
        return self._nonce_prefix + index.to_bytes(4, "big")


def new_header(key: RepositoryKey | None) -> tuple[Header, ChunkCipher | None]:
    """A header for a new artifact, and the cipher for its chunks (None when not encrypted)."""
    if key is None:
        return Header(False, *_NO_KEY_FIELDS), None
    # A fresh data key per artifact: nonces can never repeat across artifacts, and a leaked
    # data key exposes one artifact, not the repository.
    data_key = os.urandom(KEY_SIZE)
    nonce_prefix = os.urandom(NONCE_PREFIX_SIZE)
    header = Header(
        True, bytes.fromhex(key.fingerprint), aes_key_wrap(key.key, data_key), nonce_prefix
    )
    return header, ChunkCipher(data_key, nonce_prefix)


def unwrap_data_key(header: Header, key: RepositoryKey) -> bytes:
    """Raises cryptography's InvalidUnwrap when the wrapped key is damaged."""
    return aes_key_unwrap(key.key, header.wrapped_key)
