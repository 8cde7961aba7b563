"""botocore errors as one-line StorageErrors for people. They name the bucket, the endpoint
and the access key id, never the secret.

HEAD requests (HeadBucket, HeadObject) get errors without a body, so only a bare code like
"403" or "404": callers that want a precise message use a request with a body.
"""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from erpkeeper.backups.destinations.base import ObjectMissing, StorageError, StorageFull
from erpkeeper.lib.i18n import gettext as _

_BUCKET_MISSING = frozenset({"NoSuchBucket"})
_OBJECT_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_ACCESS_DENIED = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})
# Ceph RGW and MinIO quotas, MinIO out of disk.
_FULL = frozenset({"QuotaExceeded", "XMinioStorageFull", "XMinioAdminBucketQuotaExceeded"})


def s3_error(
    exc: Exception, bucket: str, endpoint: str, access_key_id: str, path: str | None = None
) -> StorageError:
    """``path``: the object the request was about, if any (a 404 then means ObjectMissing)."""
    values = {"bucket": bucket, "endpoint": endpoint, "key": access_key_id, "path": path}
    if isinstance(exc, ClientError):
        return _client_error(exc, values)
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return StorageError(_("S3 endpoint %(endpoint)s timed out") % values)
    if isinstance(exc, EndpointConnectionError):
        return StorageError(
            _("S3 endpoint %(endpoint)s is unreachable: check the address and the network") % values
        )
    return StorageError(
        _("S3 request to %(endpoint)s failed: %(error)s") % {**values, "error": exc}
    )


def _client_error(exc: ClientError, values: dict) -> StorageError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    values = {**values, "code": code, "message": error.get("Message", "")}
    if code in _BUCKET_MISSING:
        return StorageError(_("S3 bucket %(bucket)s does not exist at %(endpoint)s") % values)
    if code in _OBJECT_MISSING and values["path"] is not None:
        return ObjectMissing(_("backup object %(path)s is missing from s3://%(bucket)s") % values)
    if code == "InvalidAccessKeyId":
        return StorageError(_("S3 at %(endpoint)s does not know the access key %(key)s") % values)
    if code == "SignatureDoesNotMatch":
        return StorageError(
            _("S3 at %(endpoint)s rejected the secret access key of %(key)s") % values
        )
    if code in _ACCESS_DENIED:
        return StorageError(
            _("S3 access denied for bucket %(bucket)s: check the access key's permissions") % values
        )
    if code in _FULL:
        return StorageFull(_("S3 bucket %(bucket)s is full: %(code)s") % values)
    return StorageError(_("S3 request to bucket %(bucket)s failed: %(code)s %(message)s") % values)
