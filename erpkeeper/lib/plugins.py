"""What an ERPKeeper app contributes to the project, declared on its AppConfig.

A new domain touches only its own folder and INSTALLED_APPS: its ``apps.py`` subclasses
``ErpKeeperAppConfig`` and names its CLI modules, API module, console navigation, dashboard
providers, role rules and background loops. The composition layer (``erpkeeper.cli``,
``erpkeeper.console``, ``erpkeeper.api_urls``), ``accounts.roles`` and the worker collect them
from the app registry, in INSTALLED_APPS order. Nothing here imports an app.

    class BackupsConfig(ErpKeeperAppConfig):
        name = "erpkeeper.backups"
        cli_modules = ("erpkeeper.backups.cli",)          # each has register(subparsers)
        api_module = "erpkeeper.backups.api"              # has register(router)
        navigation = (NavItem(Section.OPERATE, _("Backups"), "backup",
                              "admin:backups_backup_changelist", "backups.view_backup"),)
        dashboard = ("erpkeeper.backups.dashboard:contribute",)
        role_rules = {Role.DBA: (Rule(app="backups", action=("view", "add", "change")),)}
        # or, to take from a role what the platform's rules grant it (e.g. VIEW_ALL):
        # {Role.VIEWER: RoleRules(grant=(), deny=(Rule(app="backups", model="secret"),))}
        loops = ("erpkeeper.backups.loops:start",)        # fn(stop_event) -> Thread | None
        target_panels = ("erpkeeper.backups.admin.panel:target_panel",)
        console_urls = "erpkeeper.backups.urls"            # pages mounted at /backups/
        evidence = ("erpkeeper.backups.evidence:COLLECTORS",)  # compliance evidence
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig, apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.roles import Role, RoleRules, Rule


class Section(models.TextChoices):
    """The console's sidebar groups, by the team's work, in display order."""

    OPERATE = "operate", _("Operate")
    ACCESS = "access", _("Access and security")
    SERVICE = "service", _("Service desk and knowledge")
    CHANGES = "changes", _("Changes and assets")
    GOVERNANCE = "governance", _("Governance")
    VENDORS = "vendors", _("Vendors and projects")
    INSIGHTS = "insights", _("Insights")
    ADMINISTRATION = "administration", _("Administration")


@dataclass(frozen=True)
class NavItem:
    """One sidebar link. ``permission`` ("app_label.codename") hides it from who lacks it."""

    section: Section
    title: Any  # a lazy translation
    icon: str  # a Material Symbols name
    url_name: str
    permission: str = ""
    order: int = 100  # within the section; ties keep INSTALLED_APPS order

    @classmethod
    def for_model(cls, section: Section, title, icon: str, model: str, order: int = 100):
        """A link to a model's list in the console, shown to who may view that model.

        ``model`` is "app_label.model_name" (lower case), e.g. "backups.backup"."""
        app_label, model_name = model.split(".")
        return cls(
            section,
            title,
            icon,
            f"admin:{app_label}_{model_name}_changelist",
            f"{app_label}.view_{model_name}",
            order,
        )


class ErpKeeperAppConfig(AppConfig):
    """Base of every ERPKeeper app's AppConfig: what the app contributes (all optional)."""

    # Django picks the one AppConfig subclass found in an app's apps.py; this base, imported
    # there, must not count as a candidate, while each subclass must.
    default = False

    cli_modules: tuple[str, ...] = ()
    api_module: str = ""
    navigation: tuple[NavItem, ...] = ()
    dashboard: tuple[str, ...] = ()
    # Per role: grants (a tuple of rules), or RoleRules with grants and denials.
    role_rules: dict[Role, tuple[Rule, ...] | RoleRules] = {}
    loops: tuple[str, ...] = ()
    # "module:function(request, target) -> TargetPanel | None": a section above a target's page.
    target_panels: tuple[str, ...] = ()
    # "module:name" of core.housekeeping.History rows the daily housekeeping prunes.
    histories: tuple[str, ...] = ()
    # A URLconf module of console pages that are not model admins, mounted at /<label>/.
    console_urls: str = ""
    # "module:NAME" of a tuple of erpkeeper.lib.evidence.EvidenceCollector: the facts this app
    # offers as compliance evidence (ARCHITECTURE rule 4: an app that is not installed offers
    # nothing, so a control that needs it is "not available", never a pass).
    evidence: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = cls.__dict__.get("default", True)


@dataclass(frozen=True)
class TargetPanel:
    """A section above a target's page: ``template`` rendered with ``context`` under the name
    ``name`` (the template reads its data from that variable)."""

    name: str
    template: str
    context: dict


def erpkeeper_apps() -> list[ErpKeeperAppConfig]:
    return [config for config in apps.get_app_configs() if isinstance(config, ErpKeeperAppConfig)]


def collect(attribute: str) -> Iterator[Any]:
    """Every app's entries of one declared attribute (a tuple), in INSTALLED_APPS order."""
    for config in erpkeeper_apps():
        yield from getattr(config, attribute)


def load(spec: str) -> Callable:
    """``"package.module:function"`` -> the function."""
    module_name, _sep, function_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), function_name)
