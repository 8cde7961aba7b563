"""A new domain touches only its own folder and INSTALLED_APPS: a trial app, written here into a
temporary folder, brings its CLI command, API route, sidebar link, dashboard tile, role rules,
background loop, console pages and compliance evidence, without an edit anywhere else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRIAL_APP = {
    "trialdomain/__init__.py": "",
    "trialdomain/apps.py": """
        from django.utils.translation import gettext_lazy as _

        from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
        from erpkeeper.lib.roles import Role, Rule


        class TrialDomainConfig(ErpKeeperAppConfig):
            name = "trialdomain"
            label = "trialdomain"
            cli_modules = ("trialdomain.cli",)
            api_module = "trialdomain.api"
            navigation = (NavItem(Section.INSIGHTS, "Trial reports", "query_stats", "trial-ping"),)
            dashboard = ("trialdomain.dashboard:contribute",)
            role_rules = {Role.VIEWER: (Rule(app="trialdomain", action="view"),)}
            loops = ("trialdomain.loops:start",)
            target_panels = ("trialdomain.dashboard:panel",)
            console_urls = "trialdomain.pages"
            evidence = ("trialdomain.dashboard:COLLECTORS",)
    """,
    "trialdomain/pages.py": """
        from django.http import HttpResponse
        from django.urls import path

        urlpatterns = [path("report/", lambda request: HttpResponse(), name="trial-report")]
    """,
    "trialdomain/cli.py": """
        from erpkeeper.lib.cli import emit


        def register(sub):
            sub.add_parser("trial").set_defaults(handler=lambda args: emit(args, {"trial": "ok"}))
    """,
    "trialdomain/api.py": """
        from django.http import JsonResponse
        from django.urls import path


        def register(router):
            pass


        urlpatterns = [path("trial/", lambda request: JsonResponse({}), name="trial-ping")]
    """,
    "trialdomain/dashboard.py": """
        from erpkeeper.lib.dashboard import Tile
        from erpkeeper.lib.evidence import EvidenceCollector


        def contribute(board):
            board.tiles.append(Tile("Trial", 42))


        def panel(request, target):
            return None


        COLLECTORS = (EvidenceCollector("trial.fact", "A trial fact", lambda scope: []),)
    """,
    "trialdomain/loops.py": """
        def start(stop_event):
            return None
    """,
    "trial_settings.py": """
        from erpkeeper.settings import *  # noqa: F403

        INSTALLED_APPS = [*INSTALLED_APPS, "trialdomain"]  # noqa: F405
    """,
}

PROBE = """
import django, json
django.setup()
from django.urls import reverse
from erpkeeper.accounts.roles import Role, role_rules
from erpkeeper.console.navigation import sidebar
from erpkeeper.lib.plugins import collect, load

class Request:
    class user:
        has_perm = staticmethod(lambda perm: True)

groups = {
    str(group["title"]): [str(item["title"]) for item in group["items"]]
    for group in sidebar(Request)
}
print(json.dumps({
    "url": reverse("trial-ping"),
    "insights": groups.get("Insights"),
    "viewer_rule": any(r.app == "trialdomain" for r in role_rules()[Role.VIEWER].grant),
    "loops": [spec for spec in collect("loops") if spec.startswith("trialdomain")],
    "dashboard": [spec for spec in collect("dashboard") if spec.startswith("trialdomain")],
    "panels": [spec for spec in collect("target_panels") if spec.startswith("trialdomain")],
    "page": reverse("trial-report"),
    "evidence": [
        collector.key
        for spec in collect("evidence") if spec.startswith("trialdomain")
        for collector in load(spec)
    ],
}))
"""


def _write_trial_app(folder: Path) -> None:
    for relative, text in TRIAL_APP.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def _run(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "trial_settings",
        "ERPKEEPER_HOME": str(folder / "home"),
    }
    env.pop("ERPKEEPER_TESTING", None)
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_trial_domain_registers_everything_from_its_own_folder(tmp_path):
    _write_trial_app(tmp_path)

    probe = _run(tmp_path, "-c", PROBE)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["url"] == "/api/v1/trial/"
    assert found["insights"] == ["Trial reports"]
    assert found["viewer_rule"] is True
    assert found["loops"] == ["trialdomain.loops:start"]
    assert found["dashboard"] == ["trialdomain.dashboard:contribute"]
    assert found["panels"] == ["trialdomain.dashboard:panel"]
    assert found["page"] == "/trialdomain/report/"
    assert found["evidence"] == ["trial.fact"]

    command = _run(tmp_path, "-m", "erpkeeper", "trial", "--json")
    assert command.returncode == 0, command.stderr
    assert json.loads(command.stdout) == {"trial": "ok"}


def test_every_erpkeeper_app_is_loaded_with_its_own_config():
    from django.apps import apps

    from erpkeeper.lib.plugins import ErpKeeperAppConfig

    ours = [config for config in apps.get_app_configs() if config.name.startswith("erpkeeper.")]
    assert ours and all(isinstance(config, ErpKeeperAppConfig) for config in ours)
