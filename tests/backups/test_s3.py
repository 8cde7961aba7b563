"""The off-site copy to a real S3-compatible server (moto's server mode on this machine)."""

import boto3
import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import CopyStatus

pytestmark = pytest.mark.django_db
BUCKET = "erp-offsite"


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


@pytest.fixture
def offsite(s3_endpoint):
    return services.create_destination(
        name="offsite",
        kind="s3",
        bucket=BUCKET,
        prefix="erpkeeper",
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
    )


def test_backup_is_copied_off_site_and_restores_from_the_copy_alone(
    sqlite_backup_target, offsite, tmp_path
):
    policy = services.policy_for(sqlite_backup_target)
    services.update_policy(policy, offsite_destination=offsite)

    backup = services.run_backup(sqlite_backup_target)

    copy = backup.copies.get()
    assert copy.status == CopyStatus.SUCCEEDED and copy.stored_bytes >= backup.stored_bytes
    # Lose the primary: the backup, now read from S3, still verifies and restores.
    backup.destination = offsite
    backup.save(update_fields=["destination"])
    services.verify_backup(backup)
    restore = services.restore_backup(backup, to_url=f"sqlite:///{tmp_path}/from-s3.sqlite")
    assert restore.status == "succeeded"


def test_s3_as_the_primary_destination(sqlite_backup_target, offsite):
    services.update_policy(services.policy_for(sqlite_backup_target), destination=offsite)

    backup = services.run_backup(sqlite_backup_target)
    services.verify_backup(backup)

    assert backup.verify_ok is True
    assert "s3://erp-offsite/erpkeeper" in backup.destination.location()
