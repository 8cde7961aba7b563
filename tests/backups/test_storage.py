"""Backup destinations against real backends: a temporary directory, and a local S3-compatible
server (moto in server mode, checking signatures and IAM permissions like AWS does)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid
from dataclasses import dataclass

import boto3
import pytest
import requests

from erpkeeper.backups.destinations import (
    ObjectMissing,
    StorageError,
    StorageFull,
    open_storage,
    storage_kinds,
)
from erpkeeper.backups.destinations.local import LocalStorage
from erpkeeper.backups.destinations.s3 import PART_SIZE

MiB = 1024 * 1024
BUCKET = "erp-backups"
REGION = "us-east-1"
IS_ROOT = os.geteuid() == 0


# The policy that docs/backup-destinations.md gives: what ERPKeeper needs, nothing more.
DOCUMENTED_POLICY = [
    {
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
        "Resource": f"arn:aws:s3:::{BUCKET}",
    },
    {
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    },
]
# moto checks a DeleteObjects request against the bucket, where AWS checks each object.
MOTO_DELETE_OBJECTS = {
    "Effect": "Allow",
    "Action": "s3:DeleteObject",
    "Resource": f"arn:aws:s3:::{BUCKET}",
}
USERS = {
    "admin": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    "erpkeeper": [*DOCUMENTED_POLICY, MOTO_DELETE_OBJECTS],
    "nobody": [],
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    keys: dict[str, tuple[str, str]]  # user name: (access key id, secret access key)

    def options(self, user: str = "admin", **overrides: str) -> dict:
        access_key_id, secret_access_key = self.keys[user]
        options = {
            "bucket": BUCKET,
            "endpoint_url": self.endpoint,
            "region": REGION,
            "access_key_id": access_key_id,
            "secret_access_key": secret_access_key,
            "addressing_style": "path",
        }
        return {**options, **overrides}

    def client(self):
        access_key_id, secret_access_key = self.keys["admin"]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
        )


# Module scope, not session: turning on moto's authentication is global to the process, so it
# is turned off again as soon as this module is done, before any other test could use moto.
@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        keys = {name: _iam_user(endpoint, name, policy) for name, policy in USERS.items()}
        _set_moto_authentication(endpoint, "0")  # from now on, every request is checked
        s3 = S3Server(endpoint, keys)
        s3.client().create_bucket(Bucket=BUCKET)
        yield s3
    finally:
        _set_moto_authentication(endpoint, "inf")
        server.stop()


def _iam_user(endpoint: str, name: str, statements: list[dict]) -> tuple[str, str]:
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )
    iam.create_user(UserName=name)
    if statements:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_user_policy(
            UserName=name, PolicyName="backups", PolicyDocument=json.dumps(document)
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _set_moto_authentication(endpoint: str, after_requests: str) -> None:
    response = requests.post(f"{endpoint}/moto-api/reset-auth", data=after_requests, timeout=10)
    response.raise_for_status()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return open_storage("local", {"path": str(tmp_path / "backups")})
    s3_server = request.getfixturevalue("s3_server")
    # One prefix per test: the bucket is shared by the whole module.
    return open_storage("s3", s3_server.options(prefix=f"test-{uuid.uuid4().hex[:8]}"))


@pytest.fixture
def leftovers(request):
    """Every file or object of a destination, committed or not: what an abort or a crash
    could leave behind."""

    def everything(storage) -> list[str]:
        if isinstance(storage, LocalStorage):
            return sorted(
                os.path.relpath(os.path.join(directory, name), storage.root)
                for directory, _dirs, names in os.walk(storage.root)
                for name in names
            )
        client = request.getfixturevalue("s3_server").client()
        objects = client.list_objects_v2(Bucket=BUCKET, Prefix=storage.prefix)
        uploads = client.list_multipart_uploads(Bucket=BUCKET, Prefix=storage.prefix)
        return sorted(
            [item["Key"] for item in objects.get("Contents", [])]
            + [f"{item['Key']} (upload)" for item in uploads.get("Uploads", [])]
        )

    return everything


def write(storage, path: str, data: bytes, chunk: int = 1_000_003) -> None:
    writer = storage.open_write(path)
    for start in range(0, len(data), chunk):
        writer.write(data[start : start + chunk])
    writer.commit()
    assert writer.bytes_written == len(data)


def read(storage, path: str) -> bytes:
    reader = storage.open_read(path)
    try:
        return b"".join(iter(lambda: reader.read(MiB), b""))
    finally:
        reader.close()


# Both destinations.


def test_committed_object_reads_back_byte_for_byte(storage):
    data = os.urandom(20 * MiB + 123)  # three parts on S3, the last one short
    write(storage, "demo/20261124T020000Z-1/erp-db.zst.enc", data)

    [info] = storage.list()
    assert (info.path, info.size) == ("demo/20261124T020000Z-1/erp-db.zst.enc", len(data))
    assert info.modified is not None
    stored = read(storage, info.path)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("data", [b"", b"tiny", os.urandom(PART_SIZE)])
def test_objects_up_to_one_part(storage, data):
    write(storage, "demo/1/manifest.json", data)

    assert [info.size for info in storage.list()] == [len(data)]
    assert read(storage, "demo/1/manifest.json") == data


def test_aborted_write_leaves_nothing(storage, leftovers):
    writer = storage.open_write("demo/1/erp-db.zst.enc")
    writer.write(os.urandom(PART_SIZE + MiB))  # on S3, a multipart upload has begun
    writer.abort()
    writer.abort()  # harmless

    assert storage.list() == []
    assert leftovers(storage) == []
    with pytest.raises(StorageError, match="already committed or aborted"):
        writer.write(b"more")


def test_write_without_commit_is_never_listed(storage, leftovers):
    writer = storage.open_write("demo/1/erp-db.zst.enc")
    writer.write(os.urandom(PART_SIZE + MiB))
    del writer  # the process died before commit() or abort()

    assert storage.list() == []
    with pytest.raises(ObjectMissing):
        storage.open_read("demo/1/erp-db.zst.enc")
    assert leftovers(storage) != []  # a partial object exists, hidden...

    assert storage.delete_prefix("demo/1/") == 1  # ...until the backup's prefix is deleted
    assert leftovers(storage) == []


def test_delete_prefix_removes_only_that_prefix(storage):
    for path in ("keep/a", "gone/a", "gone/sub/b", "gone-not/c"):
        write(storage, path, path.encode())

    assert storage.delete_prefix("gone/") == 2
    assert [info.path for info in storage.list()] == ["gone-not/c", "keep/a"]
    assert storage.delete_prefix("gone/") == 0
    for not_a_directory in ("gone", "", "/"):
        with pytest.raises(StorageError, match="directory prefix ending in '/'"):
            storage.delete_prefix(not_a_directory)


def test_list_filters_by_prefix_and_usage_sums_sizes(storage):
    for path, size in (("b/2", 200), ("a/1", 10), ("b/3", 3000), ("bb/4", 5)):
        write(storage, path, b"x" * size)

    assert [info.path for info in storage.list()] == ["a/1", "b/2", "b/3", "bb/4"]
    assert [info.path for info in storage.list("b/")] == ["b/2", "b/3"]
    assert [info.path for info in storage.list("b")] == ["b/2", "b/3", "bb/4"]
    assert storage.usage() == 3215
    assert storage.usage("b/") == 3200


def test_missing_object(storage):
    with pytest.raises(ObjectMissing, match="demo/9/erp-db.zst.enc"):
        storage.open_read("demo/9/erp-db.zst.enc")


def test_check_passes_and_leaves_nothing(storage, leftovers):
    storage.check()

    assert leftovers(storage) == []


def test_object_paths_must_stay_inside(storage):
    for path in ("../etc/passwd", "/etc/passwd", "demo/../../x"):
        with pytest.raises(StorageError, match="outside the destination"):
            storage.open_write(path)
    with pytest.raises(StorageError, match="outside the destination"):
        storage.list("../")
    with pytest.raises(StorageError, match="outside the destination"):
        storage.delete_prefix("../demo/")


# The registry and options.


def test_registry_knows_local_and_s3():
    assert storage_kinds() == ["local", "s3"]
    with pytest.raises(StorageError, match="unknown destination kind 'ftp'"):
        open_storage("ftp", {})


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("local", {}, "option path is required"),
        ("local", {"path": "backups"}, "needs an absolute path"),
        ("local", {"path": "/srv", "colour": "red"}, "unknown option colour"),
        ("local", {"path": 42}, "option path of a local destination must be text"),
        ("s3", {"bucket": "b", "access_key_id": "k"}, "option secret_access_key is required"),
        ("s3", {"secret_access_key": "TOPSECRET", "access_key_id": "k"}, "option bucket is"),
    ],
)
def test_bad_options_are_one_line_errors(kind, options, message):
    with pytest.raises(StorageError, match=message) as raised:
        open_storage(kind, options)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"addressing_style": "sideways"}, "addressing_style must be path or virtual"),
        ({"endpoint_url": "127.0.0.1:9000"}, "endpoint_url must start with http"),
        ({"bucket": "a/b"}, "not a valid S3 bucket name"),
        ({"prefix": "../other"}, "outside the destination"),
        ({"TOPSECRET": "x"}, "unknown option TOPSECRET"),
    ],
)
def test_bad_s3_options_never_show_the_secret(override, message):
    options = {"bucket": "b", "access_key_id": "k", "secret_access_key": "TOPSECRET-VALUE"}
    with pytest.raises(StorageError, match=message) as raised:
        open_storage("s3", {**options, **override})
    assert "TOPSECRET-VALUE" not in str(raised.value)


# A local directory.


@pytest.fixture
def local(tmp_path):
    return LocalStorage(tmp_path / "backups")


@pytest.fixture
def make_read_only():
    """Make directories read-only for this process: a permission for users, the immutable
    attribute for root (which ignores permissions)."""
    changed = []

    def read_only(directory):
        if IS_ROOT:
            result = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
            if result.returncode:
                pytest.skip(f"cannot make a directory immutable: {result.stderr.decode().strip()}")
        else:
            directory.chmod(0o555)
        changed.append(directory)

    yield read_only
    for directory in changed:
        if IS_ROOT:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        else:
            directory.chmod(0o750)


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A real 1 MiB filesystem, to fill up."""
    if not IS_ROOT:
        pytest.skip("mounting a 1 MiB tmpfs needs root")
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)]
    result = subprocess.run(mount, capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_local_writes_a_partial_file_then_renames_it(local):
    writer = local.open_write("demo/1/erp-db.zst.enc")
    writer.write(b"abc")

    assert os.listdir(local.root / "demo" / "1") == ["erp-db.zst.enc.partial"]
    writer.commit()
    assert os.listdir(local.root / "demo" / "1") == ["erp-db.zst.enc"]
    for directory in (local.root, local.root / "demo", local.root / "demo" / "1"):
        assert directory.stat().st_mode & 0o777 == 0o750
    assert (local.root / "demo" / "1" / "erp-db.zst.enc").stat().st_mode & 0o777 == 0o640


def test_local_read_only_destination(local, make_read_only):
    writer = local.open_write("demo/1/erp-db.zst.enc")
    writer.write(b"abc")
    make_read_only(local.root)
    make_read_only(local.root / "demo" / "1")

    not_writable = rf"^destination {local.root} is not writable: (Permission denied|Operation not)"
    with pytest.raises(StorageError, match=not_writable):
        local.check()
    with pytest.raises(StorageError, match=not_writable):
        writer.commit()
    with pytest.raises(StorageError, match=not_writable):
        local.open_write("demo/1/manifest.json")
    assert local.list() == []


def test_local_destination_under_a_regular_file(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    storage = LocalStorage(tmp_path / "file" / "backups")

    with pytest.raises(StorageError, match="does not exist and cannot be created: Not a dir"):
        storage.check()
    with pytest.raises(StorageError, match="Not a directory"):
        storage.open_write("demo/1/erp-db.zst.enc")
    with pytest.raises(StorageError, match=f"^destination {storage.root} does not exist$"):
        storage.list()


def test_local_full_disk_raises_storage_full_and_leaves_nothing(tiny_filesystem, leftovers):
    storage = LocalStorage(tiny_filesystem / "backups")
    assert 0 < storage.free_bytes() <= MiB
    writer = storage.open_write("demo/1/erp-db.zst.enc")

    with pytest.raises(StorageFull, match=r"is full: No space left on device$"):
        for _ in range(32):  # 2 MiB
            writer.write(os.urandom(64 * 1024))
        writer.commit()
    assert leftovers(storage) == []
    storage.check()  # the space is back


def test_a_full_disk_under_the_pipeline_surfaces_as_full_when_the_engine_closes_its_writer(
    tiny_filesystem, leftovers
):
    from erpkeeper.backups.services.artifacts import ArtifactSink

    storage = LocalStorage(tiny_filesystem / "backups")
    sink = ArtifactSink(storage, "demo/1", "database", key=None, level=1, threads=0)
    writer = sink.open("db.sql")

    # As every engine does: write, and close the writer whatever happens.
    with pytest.raises(StorageFull, match="is full"):
        try:
            for _ in range(32):  # 2 MiB that do not compress
                writer.write(os.urandom(64 * 1024))
        finally:
            writer.close()
    assert leftovers(storage) == []
    assert sink.records == []


def test_local_objects_cannot_look_like_partial_ones(local):
    with pytest.raises(StorageError, match="not a valid backup object path"):
        local.open_write("demo/1/erp-db.partial")


# An S3-compatible bucket.


def s3_storage(s3_server, user: str = "admin", **overrides):
    options = s3_server.options(user, prefix=uuid.uuid4().hex[:8], **overrides)
    return open_storage("s3", options)


def test_s3_large_objects_go_up_in_parts(s3_server):
    storage = s3_storage(s3_server)
    write(storage, "big", os.urandom(2 * PART_SIZE + 1))

    head = s3_server.client().head_object(Bucket=BUCKET, Key=f"{storage.prefix}big")
    assert head["ETag"].strip('"').endswith("-3")


def test_s3_wrong_secret_key(s3_server):
    storage = s3_storage(s3_server, secret_access_key="wrong-secret-0123456789")

    message = f"rejected the secret access key of {s3_server.keys['admin'][0]}$"
    for attempt in (storage.check, storage.list, lambda: write(storage, "x", b"x")):
        with pytest.raises(StorageError, match=message) as raised:
            attempt()
        assert "wrong-secret" not in str(raised.value)


def test_s3_unknown_access_key(s3_server):
    storage = s3_storage(s3_server, access_key_id="AKIAUNKNOWN000000000")

    with pytest.raises(StorageError, match="does not know the access key AKIAUNKNOWN0"):
        storage.check()


def test_s3_access_denied(s3_server):
    storage = s3_storage(s3_server, user="nobody")

    with pytest.raises(StorageError, match=f"S3 access denied for bucket {BUCKET}: check"):
        storage.check()


def test_s3_missing_bucket(s3_server):
    storage = s3_storage(s3_server, bucket="no-such-bucket")

    message = f"^S3 bucket no-such-bucket does not exist at {s3_server.endpoint}$"
    with pytest.raises(StorageError, match=message):
        storage.check()
    with pytest.raises(StorageError, match=message):
        write(storage, "demo/1/erp-db.zst.enc", b"data")


def test_s3_describe_shows_where_but_never_the_secret(s3_server):
    storage = open_storage("s3", s3_server.options(prefix="/nightly/erp/"))

    assert storage.describe() == f"s3://{BUCKET}/nightly/erp/ @ {s3_server.endpoint}"
    assert repr(storage) == f"S3Storage('{storage.describe()}')"
    assert s3_server.keys["admin"][1] not in repr(vars(storage))


def test_s3_the_documented_permissions_are_enough(s3_server, leftovers):
    storage = s3_storage(s3_server, user="erpkeeper")
    storage.check()
    data = os.urandom(PART_SIZE + 1)
    write(storage, "demo/1/erp-db.zst.enc", data)
    aborted = storage.open_write("demo/1/files.tar.zst.enc")
    aborted.write(data)
    aborted.abort()
    storage.open_write("demo/1/crashed.zst.enc").write(data)

    assert read(storage, "demo/1/erp-db.zst.enc") == data
    assert storage.delete_prefix("demo/") == 2
    assert leftovers(storage) == []
