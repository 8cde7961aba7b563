"""Every console list exports to Excel, with the columns it shows; reports download as PDF."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from erpkeeper.backups import services
from erpkeeper.cli import main
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db


def make_target(name: str) -> Target:
    target = Target(name=name, environment="production")
    target.set_database_url(f"sqlite:////nonexistent/{name}.sqlite")
    target.save()
    return target


def export(client, url: str, ids: list[int]):
    return client.post(url, {"action": "export_xlsx", "_selected_action": [str(i) for i in ids]})


def test_a_viewer_exports_the_selected_targets_with_the_list_columns(victor, console_client_for):
    shop, plant = make_target("=shop"), make_target("plant")
    make_target("unexported")
    url = reverse("admin:targets_target_changelist")

    response = export(console_client_for(victor), url, [shop.pk, plant.pk])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="target-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert "Name" in header or "名称" in header
    values = {value for row in sheet.iter_rows(min_row=2, values_only=True) for value in row}
    assert "=shop" in values and "plant" in values and "unexported" not in values
    assert sheet.max_row == 3


def test_exported_cells_are_text_not_html(olga, console_client_for):
    target = make_target("shop")
    response = export(
        console_client_for(olga), reverse("admin:targets_target_changelist"), [target.pk]
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows(values_only=True):
        assert not any(isinstance(value, str) and "<span" in value for value in row)


def test_every_list_of_every_app_offers_the_export(alice, console_client_for):
    # (The audit trail's list has its own export: CSV of what its filters select.)
    client = console_client_for(alice)
    for url_name in (
        "admin:targets_target_changelist",
        "admin:backups_backup_changelist",
        "admin:core_job_changelist",
        "admin:alerts_alert_changelist",
        "admin:notifications_delivery_changelist",
    ):
        html = client.get(reverse(url_name)).content.decode()
        assert 'value="export_xlsx"' in html, url_name


def test_the_cli_writes_any_list_to_a_workbook(tmp_path, capsys):
    make_target("shop")
    path = tmp_path / "targets.xlsx"

    assert main(["target", "list", "--xlsx", str(path)]) == 0

    assert "1 row written to" in capsys.readouterr().out
    sheet = load_workbook(path).active
    assert "shop" in {value for row in sheet.iter_rows(values_only=True) for value in row}
    assert main(["--xlsx", str(path), "target", "show", "shop"]) == 2  # not a list


def test_a_drill_report_downloads_as_pdf_from_the_console_the_api_and_the_cli(
    sqlite_backup_target, victor, console_client_for, api_client_for, tmp_path, cjk_fonts
):
    services.run_backup(sqlite_backup_target)
    drill = services.run_drill(sqlite_backup_target)

    console = console_client_for(victor).get(f"/backups/drill/{drill.pk}/download_report_pdf/")
    assert console.status_code == 200 and console.content.startswith(b"%PDF-")
    assert console["Content-Disposition"].endswith('.pdf"')

    api = api_client_for(victor).get(f"/api/v1/drills/{drill.pk}/report/?as=pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-")
    assert (
        api_client_for(victor).get(f"/api/v1/drills/{drill.pk}/report/?as=doc").status_code == 400
    )

    path = tmp_path / "drill.pdf"
    assert main(["drill", "report", str(drill.pk), "-o", str(path)]) == 0
    assert path.read_bytes().startswith(b"%PDF-")
