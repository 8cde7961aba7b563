"""An S3-compatible bucket as a backup destination: AWS S3, MinIO, Ceph RGW, Aliyun OSS,
Tencent COS.

An object is streamed as a multipart upload with one part in memory at a time. Until the upload
is completed S3 shows nothing (no listing, no reads): an upload that is never completed is this
destination's partial object, removed by ``abort()``, ``delete_prefix()`` or a bucket lifecycle
rule. An object smaller than one part is sent with a single put on commit.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import secrets
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from erpkeeper.backups.destinations.base import (
    ObjectInfo,
    Storage,
    StorageError,
    StorageWriter,
    require_directory_prefix,
)
from erpkeeper.backups.destinations.options import read_options
from erpkeeper.backups.destinations.s3_errors import s3_error
from erpkeeper.lib.i18n import gettext as _

PART_SIZE = 8 * 1024 * 1024
# S3 allows 10,000 parts per upload: parts grow by PART_SIZE every 1,000 parts, so an object
# can reach about 440 GB while memory stays at one part (80 MiB at most).
_PARTS_PER_SIZE_STEP = 1000
ADDRESSING_STYLES = ("path", "virtual")
_DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes

_STORAGE_ERRORS = (ClientError, BotoCoreError)


class S3Storage(Storage):
    kind = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        access_key_id: str,
        secret_access_key: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str | None = None,
    ) -> None:
        _validate(bucket, prefix, endpoint_url, addressing_style)
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.access_key_id = access_key_id
        # The secret goes into the client only: never an attribute that could be printed.
        self._client = _make_client(
            endpoint_url, region, access_key_id, secret_access_key, addressing_style
        )
        self.endpoint = self._client.meta.endpoint_url

    @classmethod
    def from_options(cls, options: dict) -> S3Storage:
        values = read_options(
            "s3",
            options,
            required=("bucket", "access_key_id", "secret_access_key"),
            optional=("prefix", "endpoint_url", "region", "addressing_style"),
        )
        return cls(values.pop("bucket"), **values)

    def __repr__(self) -> str:
        return f"S3Storage({self.describe()!r})"

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix} @ {self.endpoint}"

    def check(self) -> None:
        # ListObjectsV2 rather than HeadBucket: a HEAD error has no body, so "wrong secret",
        # "unknown key" and "no permission" would all be a bare 403.
        probe = f"{self.prefix}.erpkeeper-probe-{secrets.token_hex(4)}"
        try:
            self._client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
            self._client.put_object(
                Bucket=self.bucket, Key=probe, Body=b"probe", ContentMD5=_md5(b"probe")
            )
            self._client.delete_object(Bucket=self.bucket, Key=probe)
        except _STORAGE_ERRORS as exc:
            raise self._error(exc) from None

    def open_write(self, path: str) -> StorageWriter:
        return _S3Writer(self, self._key(path), path)

    def open_read(self, path: str) -> BinaryIO:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(path))
        except _STORAGE_ERRORS as exc:
            raise self._error(exc, path) from None
        return _S3Reader(self, response["Body"], path)

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        _check_relative(prefix)
        infos = [
            ObjectInfo(item["Key"][len(self.prefix) :], item["Size"], item["LastModified"])
            for item in self._listed("list_objects_v2", "Contents", self.prefix + prefix)
        ]
        return sorted(infos, key=lambda info: info.path)

    def delete_prefix(self, prefix: str) -> int:
        require_directory_prefix(prefix)
        _check_relative(prefix)
        key_prefix = self.prefix + prefix
        return self._delete_objects(key_prefix) + self._abort_uploads(key_prefix)

    def _error(self, exc: Exception, path: str | None = None) -> StorageError:
        return s3_error(exc, self.bucket, self.endpoint, self.access_key_id, path)

    def _listed(self, operation: str, field: str, key_prefix: str):
        """Every item of a paginated listing, e.g. objects or multipart uploads."""
        paginator = self._client.get_paginator(operation)
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=key_prefix):
                yield from page.get(field, [])
        except _STORAGE_ERRORS as exc:
            raise self._error(exc) from None

    def _delete_objects(self, key_prefix: str) -> int:
        keys = [item["Key"] for item in self._listed("list_objects_v2", "Contents", key_prefix)]
        removed = 0
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            try:
                response = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except _STORAGE_ERRORS as exc:
                raise self._error(exc) from None
            failed = response.get("Errors", [])
            if failed:
                raise StorageError(
                    _("S3 could not delete %(key)s from bucket %(bucket)s: %(code)s")
                    % {"key": failed[0]["Key"], "bucket": self.bucket, "code": failed[0]["Code"]}
                )
            removed += len(batch)
        return removed

    def _abort_uploads(self, key_prefix: str) -> int:
        uploads = list(self._listed("list_multipart_uploads", "Uploads", key_prefix))
        for upload in uploads:
            try:
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            except _STORAGE_ERRORS as exc:
                raise self._error(exc) from None
        return len(uploads)

    def _key(self, path: str) -> str:
        _check_relative(path)
        if not path.strip("/"):
            raise StorageError(_("%(path)r is not a valid backup object path") % {"path": path})
        return self.prefix + path


class _S3Writer(StorageWriter):
    def __init__(self, storage: S3Storage, key: str, path: str) -> None:
        self._storage = storage
        self._client = storage._client
        self._key = key
        self._path = path
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self._completed = False
        self._finished = False
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self._require_open()
        view = memoryview(data)
        while view:
            part_size = _part_size(len(self._parts) + 1)
            room = part_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) == part_size:
                self._send_part()
        self.bytes_written += len(data)

    def commit(self) -> None:
        self._require_open()
        try:
            self._send_rest()
            self._completed = True
            head = self._client.head_object(Bucket=self._storage.bucket, Key=self._key)
        except _STORAGE_ERRORS as exc:
            self.abort()
            raise self._storage._error(exc) from None
        if head["ContentLength"] != self.bytes_written:
            self.abort()
            raise StorageError(
                _("S3 stored %(stored)d bytes of %(path)s instead of %(written)d")
                % {
                    "stored": head["ContentLength"],
                    "path": self._path,
                    "written": self.bytes_written,
                }
            )
        self._finished = True

    def abort(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._buffer = bytearray()
        bucket = self._storage.bucket
        # Best effort: an upload left behind is invisible and removed by delete_prefix().
        with contextlib.suppress(*_STORAGE_ERRORS):
            if self._completed:  # commit failed after the upload: not verified, not a backup
                self._client.delete_object(Bucket=bucket, Key=self._key)
            elif self._upload_id is not None:
                self._client.abort_multipart_upload(
                    Bucket=bucket, Key=self._key, UploadId=self._upload_id
                )

    def _send_part(self) -> None:
        bucket = self._storage.bucket
        number = len(self._parts) + 1
        try:
            if self._upload_id is None:
                upload = self._client.create_multipart_upload(Bucket=bucket, Key=self._key)
                self._upload_id = upload["UploadId"]
            response = self._client.upload_part(
                Bucket=bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=self._buffer,
                ContentMD5=_md5(self._buffer),
            )
        except _STORAGE_ERRORS as exc:
            self.abort()
            raise self._storage._error(exc) from None
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})
        self._buffer = bytearray()

    def _send_rest(self) -> None:
        bucket = self._storage.bucket
        if self._upload_id is None:
            body = bytes(self._buffer)
            self._client.put_object(Bucket=bucket, Key=self._key, Body=body, ContentMD5=_md5(body))
            return
        if self._buffer:
            self._send_part()
        self._client.complete_multipart_upload(
            Bucket=bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def _require_open(self) -> None:
        if self._finished:
            raise StorageError(
                _("%(path)s was already committed or aborted") % {"path": self._path}
            )


class _S3Reader(io.RawIOBase):
    """The object's body as a file; network errors while reading become StorageError."""

    def __init__(self, storage: S3Storage, body, path: str) -> None:
        self._storage = storage
        self._body = body
        self._path = path

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._body.read(None if size is None or size < 0 else size)
        except _STORAGE_ERRORS as exc:
            raise self._storage._error(exc, self._path) from None

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _make_client(endpoint_url, region, access_key_id, secret_access_key, addressing_style):
    config = Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        s3={"addressing_style": addressing_style or "auto"},
        # boto3 >= 1.36 adds CRC32 checksums by default, which several S3-compatible services
        # reject; puts and parts carry a Content-MD5 instead, which every one of them checks.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )
    except (BotoCoreError, ValueError) as exc:
        raise StorageError(
            _("S3 destination is misconfigured: %(error)s") % {"error": exc}
        ) from None
    # Aliyun OSS, Tencent COS and older Ceph/MinIO refuse a DeleteObjects without Content-MD5,
    # which boto3 >= 1.36 no longer sends by itself.
    client.meta.events.register("before-sign.s3.DeleteObjects", _add_content_md5)
    return client


def _add_content_md5(request, **_kwargs) -> None:
    if "Content-MD5" not in request.headers:
        request.headers["Content-MD5"] = _md5(request.body)


def _md5(data: bytes | bytearray) -> str:
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def _part_size(number: int) -> int:
    return PART_SIZE * (1 + (number - 1) // _PARTS_PER_SIZE_STEP)


def _validate(bucket: str, prefix: str, endpoint_url: str | None, style: str | None) -> None:
    if not bucket or "/" in bucket or bucket != bucket.strip():
        raise StorageError(_("%(bucket)r is not a valid S3 bucket name") % {"bucket": bucket})
    _check_relative(prefix.strip("/"))
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise StorageError(
            _("S3 endpoint_url must start with http:// or https://, not %(url)s")
            % {"url": endpoint_url}
        )
    if style is not None and style not in ADDRESSING_STYLES:
        raise StorageError(
            _("S3 addressing_style must be path or virtual, not %(style)s") % {"style": style}
        )


def _check_relative(path: str) -> None:
    if path.startswith("/") or ".." in path.split("/"):
        raise StorageError(_("%(path)r is outside the destination") % {"path": path})
