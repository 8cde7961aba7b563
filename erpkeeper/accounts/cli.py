"""``erpkeeper user …`` (including ``2fa-reset`` and ``sign-ins``), ``erpkeeper token …`` and
``erpkeeper role …``.

Passwords are read from standard input (``--password-stdin``) or asked for on a terminal, never
taken as arguments (they would end up in the shell history and the process list). Generated
passwords and new tokens are printed once and never stored in plaintext.
"""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken, LoginRecord
from erpkeeper.accounts.roles import Role, ensure_all_permissions, sync_role_permissions
from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    table,
    validation_error,
)


def register(sub) -> None:
    _register_user(sub)
    _register_token(sub)
    _register_role(sub)


def _register_user(sub) -> None:
    user = sub.add_parser("user", help=_("console and API users"))
    actions = user.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    create = actions.add_parser("create", help=_("create a user with a role"))
    create.add_argument("username")
    create.add_argument("--role", required=True, help=_("one of: %s") % _role_names())
    create.add_argument("--email", default="")
    create.add_argument("--language", default="", help=_("en or zh-hans (default: browser)"))
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help=_("read the password from standard input; without it one is generated and shown"),
    )
    create.set_defaults(handler=handle_user_create)

    actions.add_parser("list", help=_("list users and their roles")).set_defaults(
        handler=handle_user_list
    )

    set_role = actions.add_parser("set-role", help=_("give a user exactly this role"))
    set_role.add_argument("username")
    set_role.add_argument("role", help=_("one of: %s") % _role_names())
    set_role.set_defaults(handler=handle_user_set_role)

    set_password = actions.add_parser("set-password", help=_("set a user's password"))
    set_password.add_argument("username")
    set_password.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    set_password.set_defaults(handler=handle_user_set_password)

    unlock = actions.add_parser("unlock", help=_("lift a sign-in lockout (all addresses)"))
    unlock.add_argument("username")
    unlock.set_defaults(handler=handle_user_unlock)

    reset_2fa = actions.add_parser(
        "2fa-reset",
        help=_("remove a user's authenticator and recovery codes (they set it up again)"),
    )
    reset_2fa.add_argument("username")
    reset_2fa.set_defaults(handler=handle_user_2fa_reset)

    forget = actions.add_parser(
        "forget-browsers",
        help=_("make every browser remembered for a user ask for the two-factor code again"),
    )
    forget.add_argument("username")
    forget.set_defaults(handler=handle_user_forget_browsers)

    sign_ins = actions.add_parser("sign-ins", help=_("the sign-in history, newest first"))
    sign_ins.add_argument("username", nargs="?", help=_("only this user's sign-ins"))
    sign_ins.add_argument("--failed", action="store_true", help=_("only failed attempts"))
    sign_ins.add_argument("--limit", type=int, default=50, help=_("at most this many (50)"))
    sign_ins.set_defaults(handler=handle_user_sign_ins)


def _register_token(sub) -> None:
    token = sub.add_parser("token", help=_("API tokens"))
    actions = token.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    create = actions.add_parser("create", help=_("create a token (printed once)"))
    create.add_argument("--user", required=True)
    create.add_argument("--name", required=True, help=_("what will use it, e.g. 'backup script'"))
    create.add_argument("--expires-days", type=int, metavar="DAYS", help=_("expire after DAYS"))
    create.set_defaults(handler=handle_token_create)

    listing = actions.add_parser("list", help=_("list tokens (never their secret part)"))
    listing.add_argument("--user", help=_("only this user's tokens"))
    listing.set_defaults(handler=handle_token_list)

    revoke = actions.add_parser("revoke", help=_("revoke a token for good"))
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=handle_token_revoke)


def _register_role(sub) -> None:
    role = sub.add_parser("role", help=_("roles and their permissions"))
    actions = role.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help=_("roles, permission counts, members")).set_defaults(
        handler=handle_role_list
    )
    show = actions.add_parser("show", help=_("the permissions a role's rules grant"))
    show.add_argument("role")
    show.set_defaults(handler=handle_role_show)
    actions.add_parser("sync", help=_("re-apply the role rules now")).set_defaults(
        handler=handle_role_sync
    )


def _role_names() -> str:
    return ", ".join(f"'{r.value}'" for r in Role)


# --- helpers ---------------------------------------------------------------------------------


def _find_user(username: str):
    try:
        return services.get_user(username)
    except get_user_model().DoesNotExist:
        message = _("no user named %(name)r") % {"name": username}
        raise CommandError(message, EXIT_NOT_FOUND, "not_found") from None


def _role(text: str):
    try:
        return Role.parse(text)
    except ValueError:
        message = _("unknown role %(role)r; choose one of: %(roles)s") % {
            "role": text,
            "roles": _role_names(),
        }
        raise CommandError(message, EXIT_USAGE, "invalid") from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(_("New password: "))
        if getpass.getpass(_("Repeat it: ")) != password:
            raise CommandError(_("the two passwords differ"), EXIT_USAGE, "invalid")
    else:
        raise CommandError(
            _("no terminal to ask for the password: use --password-stdin"), EXIT_USAGE, "usage"
        )
    if not password:
        raise CommandError(_("empty password"), EXIT_USAGE, "invalid")
    return password


def describe_user(user) -> dict:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "roles": [r.value for r in services.user_roles(user)],
        "active": user.is_active,
        "language": services.get_profile(user).language,
        "last_login": user.last_login.isoformat(timespec="seconds") if user.last_login else "",
        "two_factor": services.two_factor_state(user).as_dict(),
    }


def two_factor_text(state: dict) -> str:
    if state["enabled"]:
        return _("on")
    return _("required, not set up") if state["required"] else _("off")


def describe_token(token) -> dict:
    def iso(value):
        return value.isoformat(timespec="seconds") if value else ""

    return {
        "id": token.pk,
        "user": token.user.get_username(),
        "name": token.name,
        "token": token.display_prefix,
        "status": token.status,
        "created": iso(token.created),
        "last_used": iso(token.last_used),
        "expires": iso(token.expires),
        "revoked": iso(token.revoked),
    }


# --- users -----------------------------------------------------------------------------------


def handle_user_create(args) -> int:
    role = _role(args.role)
    password = _read_password(True) if args.password_stdin else None
    try:
        user, generated = services.create_user(
            args.username, args.email, role, password=password, language=args.language
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    data = describe_user(user)
    text = _("created user %(user)s with role %(role)s") % {
        "user": user.get_username(),
        "role": role.value,
    }
    if generated:
        data["password"] = generated
        text += "\n" + _("one-time password (shown once, store it now): %(password)s") % {
            "password": generated
        }
    emit(args, data, text)
    return 0


def handle_user_list(args) -> int:
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    rows = [describe_user(u) for u in users.select_related("profile")]
    plain = [
        {
            **r,
            "roles": ", ".join(r["roles"]),
            "active": "yes" if r["active"] else "no",
            "2fa": two_factor_text(r["two_factor"]),
        }
        for r in rows
    ]
    emit(args, rows, table(plain, ["username", "email", "roles", "2fa", "active", "last_login"]))
    return 0


def handle_user_set_role(args) -> int:
    user = _find_user(args.username)
    role = _role(args.role)
    services.set_role(user, role)
    text = _("%(user)s now has the role %(role)s") % {
        "user": user.get_username(),
        "role": role.value,
    }
    emit(args, describe_user(user), text)
    return 0


def handle_user_set_password(args) -> int:
    user = _find_user(args.username)
    password = _read_password(args.password_stdin)
    try:
        services.set_password(user, password)
    except ValidationError as exc:
        reasons = " ".join(exc.message_dict.get("password", exc.messages))
        message = _("password not changed: %(reasons)s") % {"reasons": reasons}
        raise CommandError(message, EXIT_USAGE, "invalid_password") from None
    text = _("password of %(user)s changed") % {"user": user.get_username()}
    emit(args, {"username": user.get_username(), "password_changed": True}, text)
    return 0


def handle_user_unlock(args) -> int:
    user = _find_user(args.username)
    removed = services.unlock_user(user.get_username())
    if removed:
        text = _("%(user)s unlocked: failed sign-in attempts forgotten") % {
            "user": user.get_username()
        }
    else:
        text = _("%(user)s had no failed sign-in attempts on record") % {
            "user": user.get_username()
        }
    emit(args, {"username": user.get_username(), "had_failed_attempts": bool(removed)}, text)
    return 0


def handle_user_2fa_reset(args) -> int:
    user = _find_user(args.username)
    removed = services.reset_two_factor(user)
    name = user.get_username()
    if removed:
        text = _(
            "two-factor authentication of %(user)s reset: authenticator and recovery codes removed"
        ) % {"user": name}
    else:
        text = _("%(user)s had no two-factor authentication to reset") % {"user": name}
    state = services.two_factor_state(user)
    if state.required:
        text += "\n" + _("their role requires it: they set it up again at their next sign-in")
    emit(args, {"username": name, "devices_removed": removed, "two_factor": state.as_dict()}, text)
    return 0


def handle_user_forget_browsers(args) -> int:
    user = _find_user(args.username)
    services.forget_remembered_browsers(user)
    name = user.get_username()
    text = _("every browser remembered for %(user)s asks for the two-factor code again") % {
        "user": name
    }
    emit(args, {"username": name, "two_factor": services.two_factor_state(user).as_dict()}, text)
    return 0


def handle_user_sign_ins(args) -> int:
    if args.limit < 1:
        raise CommandError(_("--limit must be at least 1"), EXIT_USAGE, "invalid")
    records = LoginRecord.objects.order_by("-time", "-pk")
    if args.username:
        records = records.filter(user=_find_user(args.username))
    if args.failed:
        records = records.filter(success=False)
    rows = [describe_sign_in(record) for record in records[: args.limit]]
    columns = ["time", "username", "method", "success", "address", "user_agent"]
    plain = [
        {**r, "success": "yes" if r["success"] else "no", "user_agent": r["user_agent"][:60]}
        for r in rows
    ]
    emit(args, rows, table(plain, columns))
    return 0


def describe_sign_in(record) -> dict:
    return {
        "time": record.time.isoformat(timespec="seconds"),
        "username": record.username,
        "user_id": record.user_id,
        "method": record.method,
        "success": record.success,
        "address": record.address or "",
        "user_agent": record.user_agent,
    }


# --- tokens ----------------------------------------------------------------------------------


def handle_token_create(args) -> int:
    user = _find_user(args.user)
    expires = None
    if args.expires_days is not None:
        if args.expires_days < 1:
            raise CommandError(_("--expires-days must be at least 1"), EXIT_USAGE, "invalid")
        expires = timezone.now() + timedelta(days=args.expires_days)
    try:
        token, plaintext = services.create_api_token(user, args.name, expires)
    except ValidationError as exc:
        raise validation_error(exc) from None
    data = {**describe_token(token), "token": plaintext}
    text = "\n".join(
        [
            _("created API token %(id)d %(name)r for %(user)s")
            % {
                "id": token.pk,
                "name": token.name,
                "user": user.get_username(),
            },
            _("token (shown once, store it now): %(token)s") % {"token": plaintext},
        ]
    )
    emit(args, data, text)
    return 0


def handle_token_list(args) -> int:
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created")
    if args.user:
        tokens = tokens.filter(user=_find_user(args.user))
    rows = [describe_token(t) for t in tokens]
    columns = ["id", "user", "name", "token", "status", "created", "last_used", "expires"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_token_revoke(args) -> int:
    try:
        token = ApiToken.objects.select_related("user").get(pk=args.id)
    except ApiToken.DoesNotExist:
        message = _("no API token with id %(id)d") % {"id": args.id}
        raise CommandError(message, EXIT_NOT_FOUND, "not_found") from None
    services.revoke_api_token(token)
    text = _("API token %(id)d (%(name)s) revoked") % {"id": token.pk, "name": token.name}
    emit(args, describe_token(token), text)
    return 0


# --- roles -----------------------------------------------------------------------------------


def handle_role_list(args) -> int:
    groups = {
        g.name: g
        for g in Group.objects.annotate(
            perm_count=Count("permissions", distinct=True),
            member_count=Count("user", distinct=True),
        )
    }
    rows = []
    for role in Role:
        group = groups.get(role.value)
        rows.append(
            {
                "role": role.value,
                "label": str(role.label),
                "permissions": group.perm_count if group else 0,
                "members": group.member_count if group else 0,
            }
        )
    emit(args, rows, table(rows, ["role", "permissions", "members"]))
    return 0


def handle_role_show(args) -> int:
    role = _role(args.role)
    group = Group.objects.filter(name=role.value).first()
    perms = []
    if group is not None:
        perms = sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )
    emit(args, {"role": role.value, "permissions": perms}, "\n".join(perms) or _("(none)"))
    return 0


def handle_role_sync(args) -> int:
    ensure_all_permissions()
    counts = sync_role_permissions()
    rows = [{"role": name, "permissions": count} for name, count in counts.items()]
    emit(args, counts, table(rows, ["role", "permissions"]))
    return 0
