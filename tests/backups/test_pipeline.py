"""The backup pipeline: artifacts round-trip, and every kind of damage or wrong key is caught."""

import hashlib
import io
import json
import os
import random
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from erpkeeper.backups.pipeline import (
    ArtifactStats,
    ArtifactWriter,
    IntegrityError,
    KeyFileError,
    PipelineError,
    RepositoryKey,
    WrongKeyError,
    open_reader,
    verify,
)
from erpkeeper.backups.pipeline.format import CHUNK_WORD_SIZE, HEADER_SIZE, parse_chunk_word

NAME = "db-1.zst.enc"
KEY = RepositoryKey.from_bytes(bytes.fromhex("5f" * 16 + "a3" * 16))
OTHER_KEY = RepositoryKey.from_bytes(bytes(range(32)))
SMALL_CHUNKS = 4096
REPO_ROOT = Path(__file__).resolve().parents[2]
WORDS = ["invoice", "payment", "refund", "stock", "journal", "tax", "freight", "rent", "repair"]


def sql_dump(size: int, seed: int = 7) -> bytes:
    """Text shaped like pg_dump's COPY output: repetitive columns, varying values."""
    rng = random.Random(seed)
    lines = [
        "COPY public.account_move_line (id, move, account, date, debit, credit, name) FROM stdin;"
    ]
    total, row = len(lines[0]), 0
    while total < size:
        row += 1
        line = (
            f"{row}\t{rng.randint(1, 90000)}\t{rng.randint(400, 480)}\t"
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\t"
            f"{rng.randint(0, 500000) / 100:.2f}\t0.00\t{' '.join(rng.choices(WORDS, k=4))}"
        )
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines).encode()[:size]


@pytest.fixture(scope="module")
def dump() -> bytes:
    return sql_dump(3 << 20)


def write_artifact(data: bytes, key=KEY, **options) -> tuple[bytes, ArtifactStats]:
    sink = io.BytesIO()
    writer = ArtifactWriter(sink, key=key, **options)
    writer.write(data)
    stats = writer.finish()
    return sink.getvalue(), stats


def chunk_spans(blob: bytes) -> list[tuple[int, int]]:
    """(start, end) of every chunk, its length word included, the end record last."""
    spans, offset = [], HEADER_SIZE
    while offset < len(blob):
        length, _final = parse_chunk_word(blob[offset : offset + CHUNK_WORD_SIZE])
        end = offset + CHUNK_WORD_SIZE + length
        spans.append((offset, end))
        offset = end
    return spans


def flipped(blob: bytes, offset: int) -> bytes:
    damaged = bytearray(blob)
    damaged[offset] ^= 0x01
    return bytes(damaged)


def assert_one_line_naming_the_artifact(error: PipelineError) -> None:
    message = str(error)
    assert NAME in message
    assert "\n" not in message


def verification_error(blob: bytes, key, **expected) -> PipelineError | None:
    try:
        verify(io.BytesIO(blob), key=key, name=NAME, **expected)
    except PipelineError as error:
        return error
    return None


# Round trips


@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
@pytest.mark.parametrize("size", [0, 11, 3 << 20], ids=["empty", "small", "multi-chunk"])
def test_round_trip_restores_the_exact_bytes(dump, key, size):
    data = dump[:size]
    blob, stats = write_artifact(data, key=key, chunk_size=256 << 10)
    reader = open_reader(io.BytesIO(blob), key=key, name=NAME)
    assert reader.read() == data
    assert reader.stats == stats
    if size > 1 << 20:
        assert len(chunk_spans(blob)) > 3


def test_stats_describe_what_the_sink_received(dump):
    blob, stats = write_artifact(dump, chunk_size=SMALL_CHUNKS)
    assert stats.raw_bytes == len(dump)
    assert stats.stored_bytes == len(blob) < len(dump) / 2
    assert stats.sha256 == hashlib.sha256(blob).hexdigest()
    assert verify(io.BytesIO(blob), key=KEY, expected_sha256=stats.sha256) == stats


def test_the_bytes_follow_the_documented_layout(dump):
    blob, _stats = write_artifact(dump[:10_000])
    assert blob[:8] == b"\x89ERPK\r\n\x1a"
    assert blob[8:10] == bytes([1, 0x03])  # version 1; encrypted, zstd
    assert blob[10:42] == bytes.fromhex(KEY.fingerprint)
    assert blob[90:98] == hashlib.sha256(blob[:90]).digest()[:8]
    data_key = aes_key_unwrap(KEY.key, blob[42:82])
    length = int.from_bytes(blob[98:102], "big")
    assert length < 0x8000_0000  # not the final chunk
    aad = hashlib.sha256(blob[:98]).digest() + bytes([0, 0, 0, 0, 0])
    first = AESGCM(data_key).decrypt(blob[82:90] + bytes(4), blob[102 : 102 + length], aad)
    assert first.startswith(b"\x28\xb5\x2f\xfd")  # a zstd frame
    end_word = int.from_bytes(blob[-(4 + 8 + 16) : -(8 + 16)], "big")
    assert end_word == 0x8000_0000 | (8 + 16)


@pytest.mark.parametrize("threads", [-1, 0, 1, 2])
def test_every_thread_setting_round_trips(dump, threads):
    blob, _stats = write_artifact(dump[:300_000], threads=threads, chunk_size=SMALL_CHUNKS)
    assert open_reader(io.BytesIO(blob), key=KEY).read() == dump[:300_000]


def test_many_small_writes_and_odd_sized_reads_give_the_same_bytes(dump):
    data = dump[:500_000]
    sink = io.BytesIO()
    writer = ArtifactWriter(sink, key=KEY, chunk_size=SMALL_CHUNKS)
    for start in range(0, len(data), 777):
        writer.write(memoryview(data)[start : start + 777])
    writer.finish()
    reader = open_reader(io.BytesIO(sink.getvalue()), key=KEY)
    assert b"".join(iter(lambda: reader.read(3001), b"")) == data


def test_reader_copes_with_sources_that_return_short_reads(dump):
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 1000) if size >= 0 else 1000)

    blob, stats = write_artifact(dump[:200_000], chunk_size=SMALL_CHUNKS)
    assert verify(Trickle(blob), key=KEY, expected_sha256=stats.sha256) == stats


def test_a_sink_that_takes_short_writes_still_gets_every_byte(dump):
    class Gulps(io.BytesIO):
        def write(self, data):
            return super().write(bytes(data[:1000]))

    sink = Gulps()
    writer = ArtifactWriter(sink, key=KEY, chunk_size=SMALL_CHUNKS)
    writer.write(dump[:100_000])
    stats = writer.finish()
    assert stats.sha256 == hashlib.sha256(sink.getvalue()).hexdigest()
    assert open_reader(io.BytesIO(sink.getvalue()), key=KEY).read() == dump[:100_000]


def test_an_unencrypted_artifact_reads_with_or_without_a_key(dump):
    blob, stats = write_artifact(dump[:10_000], key=None)
    assert verify(io.BytesIO(blob), key=None) == stats
    assert verify(io.BytesIO(blob), key=OTHER_KEY) == stats


def test_finish_and_close_are_repeatable_and_writing_afterwards_is_refused():
    writer = ArtifactWriter(io.BytesIO(), key=KEY)
    writer.write(b"x")
    stats = writer.finish()
    assert writer.close() == stats == writer.finish()
    with pytest.raises(PipelineError, match="already finished"):
        writer.write(b"more")


def test_close_after_a_failed_write_adds_nothing_and_keeps_the_original_error():
    class FailingSink(io.BytesIO):
        def write(self, data):
            if self.tell() > HEADER_SIZE:
                raise OSError("disk full")
            return super().write(data)

    sink = FailingSink()
    writer = ArtifactWriter(sink, key=KEY, threads=0, chunk_size=SMALL_CHUNKS)
    with pytest.raises(OSError, match="disk full"):
        writer.write(os.urandom(1 << 20))
    written = sink.getvalue()
    assert writer.close() is None
    assert sink.getvalue() == written
    with pytest.raises(PipelineError, match="earlier write"):
        writer.finish()


# Damage


@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
def test_a_flipped_byte_in_any_region_fails_verification_naming_the_artifact(dump, key):
    blob, stats = write_artifact(dump[:60_000], key=key, chunk_size=SMALL_CHUNKS)
    spans = chunk_spans(blob)
    assert len(spans) >= 5
    middle = spans[len(spans) // 2]
    regions = {  # offsets as in docs/backup-format.md
        "magic, version, flags, fingerprint": range(0, 42),
        "wrapped data key": range(42, 82),
        "nonce prefix, header checksum": range(82, HEADER_SIZE),
        "first chunk": range(spans[0][0], spans[0][1], 7),
        "middle chunk": range(middle[0], middle[1], 7),
        "last data chunk and its tag": range(spans[-2][1] - 40, spans[-2][1]),
        "end record": range(spans[-1][0], spans[-1][1]),
    }
    for region, offsets in regions.items():
        for offset in offsets:
            error = verification_error(flipped(blob, offset), key, expected_sha256=stats.sha256)
            assert isinstance(error, IntegrityError), (region, offset, error)
            assert_one_line_naming_the_artifact(error)


def test_a_damaged_chunk_is_reported_by_its_index(dump):
    blob, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    start, end = chunk_spans(blob)[3]
    with pytest.raises(IntegrityError, match=f"artifact {NAME} is damaged: chunk 3 failed auth"):
        verify(io.BytesIO(flipped(blob, (start + end) // 2)), key=KEY, name=NAME)


def test_a_damaged_encrypted_artifact_fails_even_without_a_recorded_checksum(dump):
    blob, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    for offset in range(0, len(blob), 97):
        error = verification_error(flipped(blob, offset), KEY)
        assert isinstance(error, IntegrityError), (offset, error)


@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
def test_truncation_anywhere_fails(dump, key):
    blob, _stats = write_artifact(dump[:60_000], key=key, chunk_size=SMALL_CHUNKS)
    chunk_ends = [end for _start, end in chunk_spans(blob)[:-1]]
    for cut in [0, 5, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + 2, *chunk_ends, len(blob) - 1]:
        with pytest.raises(IntegrityError) as caught:
            verify(io.BytesIO(blob[:cut]), key=key, name=NAME)
        assert_one_line_naming_the_artifact(caught.value)


def test_truncation_after_a_chunk_says_so(dump):
    blob, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    _start, end = chunk_spans(blob)[2]
    with pytest.raises(IntegrityError, match="ends after chunk 2 without its end record"):
        verify(io.BytesIO(blob[:end]), key=KEY, name=NAME)


@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
def test_appended_bytes_fail(dump, key):
    blob, _stats = write_artifact(dump[:60_000], key=key, chunk_size=SMALL_CHUNKS)
    start, end = chunk_spans(blob)[1]
    for extra in (b"\0", b"garbage", blob[start:end]):
        with pytest.raises(IntegrityError, match="extra bytes after its end record"):
            verify(io.BytesIO(blob + extra), key=key, name=NAME)


def test_swapped_or_dropped_chunks_fail(dump):
    blob, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    header, chunks = blob[:HEADER_SIZE], [blob[start:end] for start, end in chunk_spans(blob)]
    swapped = [chunks[0], chunks[2], chunks[1], *chunks[3:]]
    dropped = [chunks[0], *chunks[2:]]
    for rearranged in (swapped, dropped):
        with pytest.raises(IntegrityError, match="chunk 1 failed authentication"):
            verify(io.BytesIO(header + b"".join(rearranged)), key=KEY, name=NAME)


def test_a_chunk_from_another_artifact_fails(dump):
    blob, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    other, _stats = write_artifact(dump[:60_000], chunk_size=SMALL_CHUNKS)
    start, end = chunk_spans(blob)[1]
    spliced = blob[:start] + other[start:end] + blob[end:]
    with pytest.raises(IntegrityError, match="chunk 1 failed authentication"):
        verify(io.BytesIO(spliced), key=KEY, name=NAME)


def test_manifest_mismatches_fail_naming_the_artifact(dump):
    blob, stats = write_artifact(dump[:10_000])
    with pytest.raises(IntegrityError, match=f"{NAME} is damaged: its SHA-256 is"):
        verify(io.BytesIO(blob), key=KEY, expected_sha256="0" * 64, name=NAME)
    with pytest.raises(IntegrityError, match="holds 10000 bytes of data, the manifest records 9"):
        verify(io.BytesIO(blob), key=KEY, expected_raw_bytes=9, name=NAME)
    assert verify(io.BytesIO(blob), key=KEY, expected_sha256=stats.sha256.upper()) == stats


def test_something_that_is_not_an_artifact_is_recognised():
    with pytest.raises(IntegrityError, match="does not start like an ERPKeeper backup artifact"):
        open_reader(io.BytesIO(b"-- PostgreSQL database dump\n"), key=KEY, name=NAME)
    with pytest.raises(IntegrityError, match=f"artifact {NAME} is damaged: it is empty"):
        open_reader(io.BytesIO(b""), key=KEY, name=NAME)


# Keys


def test_a_wrong_key_is_named_with_both_short_fingerprints_before_any_chunk_is_read(dump):
    blob, _stats = write_artifact(dump[:10_000])
    header_only = io.BytesIO(blob[:HEADER_SIZE])
    with pytest.raises(WrongKeyError) as caught:
        open_reader(header_only, key=OTHER_KEY, name=NAME)
    assert str(caught.value) == (
        f"artifact {NAME} was encrypted with key {KEY.short_fingerprint}, "
        f"this installation's key is {OTHER_KEY.short_fingerprint}"
    )


def test_a_wrong_key_message_reads_well_without_an_artifact_name(dump):
    blob, _stats = write_artifact(dump[:1000])
    with pytest.raises(WrongKeyError, match=r"^the artifact was encrypted with key [0-9a-f]{16}, "):
        open_reader(io.BytesIO(blob), key=OTHER_KEY)


def test_an_encrypted_artifact_without_a_key_fails_clearly(dump):
    blob, _stats = write_artifact(dump[:10_000])
    with pytest.raises(WrongKeyError, match=f"no key given but artifact {NAME} is encrypted"):
        verify(io.BytesIO(blob), key=None, name=NAME)


def test_a_created_key_file_is_private_and_loads_back(tmp_path):
    path = tmp_path / "keys" / "repository.key"
    key = RepositoryKey.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes() == key.key
    assert RepositoryKey.load(path) == key == RepositoryKey.load_or_create(path)
    assert len(key.fingerprint) == 64
    assert key.fingerprint == hashlib.sha256(key.key).hexdigest()
    assert key.short_fingerprint == key.fingerprint[:16]


def test_load_or_create_makes_one_key_and_then_keeps_it(tmp_path):
    path = tmp_path / "repository.key"
    first = RepositoryKey.load_or_create(path)
    assert RepositoryKey.load_or_create(path) == first


def test_creating_a_key_never_overwrites_an_existing_one(tmp_path):
    path = tmp_path / "repository.key"
    original = RepositoryKey.create(path)
    with pytest.raises(KeyFileError, match="already exists; refusing to overwrite it"):
        RepositoryKey.create(path)
    assert RepositoryKey.load(path) == original


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_a_key_file_of_the_wrong_length_is_refused_naming_the_path(tmp_path, size):
    path = tmp_path / "repository.key"
    path.write_bytes(b"k" * size)
    with pytest.raises(KeyFileError, match=f"{path} holds {size} bytes, a key is exactly 32"):
        RepositoryKey.load(path)


def test_a_missing_key_file_is_reported_with_its_path(tmp_path):
    path = tmp_path / "nowhere.key"
    with pytest.raises(KeyFileError, match=f"repository key file {path} does not exist"):
        RepositoryKey.load(path)


def test_key_bytes_never_appear_in_repr_or_error_messages(tmp_path, dump):
    path = tmp_path / "repository.key"
    key = RepositoryKey.create(path)
    secrets = (key.key.hex(), repr(key.key), str(key.key), key.key.decode("latin-1"))
    path.write_bytes(key.key + b"!")  # one byte too many: load fails with the key in the file
    with pytest.raises(KeyFileError) as too_long:
        RepositoryKey.load(path)
    blob, _stats = write_artifact(dump[:1000], key=OTHER_KEY)
    with pytest.raises(WrongKeyError) as wrong:
        verify(io.BytesIO(blob), key=key, name=NAME)
    for text in (repr(key), str(key), str(too_long.value), str(wrong.value)):
        assert not any(secret in text for secret in secrets)


# Concurrency and resources


def test_writers_in_four_threads_at_once_produce_valid_artifacts(dump):
    results, errors = {}, []

    def write(number):
        try:
            data = dump[number * 100_000 : (number + 3) * 200_000]
            results[number] = (data, *write_artifact(data, chunk_size=64 << 10))
        except Exception as error:  # a thread's exception would otherwise only be printed
            errors.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for data, blob, stats in results.values():
        assert open_reader(io.BytesIO(blob), key=KEY).read() == data
        assert stats.sha256 == hashlib.sha256(blob).hexdigest()


MEMORY_PROBE = """
import io, json, resource, sys
from erpkeeper.backups.pipeline import ArtifactWriter, RepositoryKey, verify

class Discard:
    def write(self, data):
        return len(data)

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

block, key = sys.stdin.buffer.read(), RepositoryKey.from_bytes(bytes(32))
start = peak_mib()
writer = ArtifactWriter(Discard(), key=key, level=3, threads=2)
for _ in range(200):
    writer.write(block)
writer.finish()
after_write = peak_mib()
sink = io.BytesIO()
zeros = ArtifactWriter(sink, key=key, threads=0)
for _ in range(200):
    zeros.write(bytes(len(block)))
zeros.finish()
before_read = peak_mib()
verify(io.BytesIO(sink.getvalue()), key=key)
print(json.dumps({"write": after_write - start, "read": peak_mib() - before_read}))
"""


def test_memory_stays_bounded_while_200_mb_pass_through():
    # A fresh interpreter: the peak RSS of this one already includes the other tests.
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE],
        input=sql_dump(1 << 20),
        capture_output=True,
        cwd=REPO_ROOT,
        check=True,
        timeout=60,
    )
    growth = json.loads(probe.stdout)
    assert growth["write"] < 60, growth
    # 200 MiB of zeros compress to a few KiB: the reader must not inflate them all at once.
    assert growth["read"] < 20, growth
