"""The backup pipeline: bytes in, compressed + encrypted + checksummed artifact out, and back.

Pure Python, no Django imports (benchmarks and the CLI use it directly). Contract:

    key = RepositoryKey.load_or_create(path)          # 32 random bytes in a 0600 key file
    key.fingerprint                                    # hex SHA-256 of the key, 64 chars

    writer = ArtifactWriter(sink, key=key, level=3, threads=2)   # key=None: not encrypted
    writer.write(data)                                 # any size, any number of times
    stats = writer.finish()                            # ArtifactStats; does NOT close the sink

    reader = open_reader(source, key=key)              # file-like .read(n) of the plaintext
    stats = verify(source, key=key, expected_sha256=..., name="db-1.zst.enc")

``sink`` has ``write(bytes)``; ``source`` has ``read(n)``. Memory stays bounded whatever the
size (chunks of about 1 MiB). Every error a user can meet is a ``PipelineError`` subclass whose
message is one readable line naming the artifact when a name is given.

Neither side closes what it was given: ``reader.close()`` leaves the source open, and
``writer.close()`` is ``finish()`` (after a failed write it adds nothing and returns None, so
an engine's cleanup does not hide the original error). The byte layout and the key escrow
advice are in docs/backup-format.md; modules: keys, format, writer, reader, errors.
"""

from .errors import IntegrityError, KeyFileError, PipelineError, WrongKeyError
from .keys import RepositoryKey
from .reader import ArtifactReader, open_reader, verify
from .writer import ArtifactStats, ArtifactWriter

__all__ = [
    "ArtifactReader",
    "ArtifactStats",
    "ArtifactWriter",
    "IntegrityError",
    "KeyFileError",
    "PipelineError",
    "RepositoryKey",
    "WrongKeyError",
    "open_reader",
    "verify",
]
