"""Role rules enforced in the API with the same model permissions the console uses.

``RolePermission`` (the default permission class) maps HTTP methods to model permissions, with
``view`` required for reads (plain DRF lets any signed-in user read). Custom actions say what
they need in one of two ways:

* ``action_permissions`` on the viewset maps an action to a model action or full permission::

      class JobViewSet(ModelViewSet):
          action_permissions = {"cancel": "change", "retry": "change"}   # core.change_job

      class TargetViewSet(ModelViewSet):
          action_permissions = {"check": "view"}   # a read-only probe: viewing suffices

* ``requires(...)`` builds a permission class for one action (or a plain APIView)::

      @action(detail=True, methods=["post"], permission_classes=[requires("core.change_job")])

Views without a queryset (``/api/v1/me/``) declare ``required_permissions`` (an empty tuple
means "any signed-in user").
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission, DjangoModelPermissions

MODEL_ACTIONS = ("view", "add", "change", "delete")


class RolePermission(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        declared = getattr(view, "required_permissions", None)
        if declared is not None:
            return user.has_perms(declared)
        needed = action_permissions(view)
        if needed is not None:
            return user.has_perms(needed)
        return super().has_permission(request, view)


def action_permissions(view) -> list[str] | None:
    """The permissions ``view.action_permissions`` declares for the current action, if any."""
    mapping = getattr(view, "action_permissions", None) or {}
    action = getattr(view, "action", None)
    if action not in mapping:
        return None
    entries = mapping[action]
    entries = [entries] if isinstance(entries, str) else list(entries)
    return [_expand(entry, view) for entry in entries]


def _expand(entry: str, view) -> str:
    if "." in entry:
        return entry
    opts = view.get_queryset().model._meta
    return f"{opts.app_label}.{entry}_{opts.model_name}"


def requires(*perms: str) -> type[BasePermission]:
    """A permission class requiring every listed permission (``app_label.codename``)."""

    class Requires(BasePermission):
        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(perms))

    Requires.__name__ = "Requires_" + "_".join(p.replace(".", "__") for p in perms)
    return Requires
