"""A restic repository on a real S3-compatible server (moto's server mode, as test_s3.py)."""

import os
import shutil

import boto3
import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupStatus, RepositoryKind
from erpkeeper.backups.services.restic import open_repository, repository_url

pytestmark = pytest.mark.django_db
BUCKET = "erp-restic"

if shutil.which("restic") is None and os.environ.get("CI") != "true":
    pytest.skip("restic is not installed (apt-get install restic)", allow_module_level=True)


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_a_restic_repository_on_s3_backs_up_verifies_and_restores(
    sqlite_backup_target, s3_endpoint, tmp_path
):
    bucket = services.create_destination(
        name="s3-restic",
        kind="s3",
        bucket=BUCKET,
        prefix="erpkeeper",
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
    )
    policy = services.policy_for(sqlite_backup_target)
    services.update_policy(policy, destination=bucket, repository_kind=RepositoryKind.RESTIC)

    url, env = repository_url(bucket)
    assert url == f"s3:{s3_endpoint}/{BUCKET}/erpkeeper/restic"
    assert env["AWS_SECRET_ACCESS_KEY"] == "test"  # for the child's environment, not a flag

    backup = services.run_backup(sqlite_backup_target)
    assert backup.status == BackupStatus.SUCCEEDED and backup.snapshot_id
    assert open_repository(bucket).snapshots(f"backup={backup.pk}")
    services.verify_backup(backup, read_data_percent=50)
    assert backup.verify_ok is True
    restore = services.restore_backup(backup, to_url=f"sqlite:///{tmp_path}/from-s3.sqlite")
    assert restore.status == "succeeded"
