"""``erpkeeper mailbox list|add|test|poll|remove``: the IMAP mailboxes whose mail becomes tickets.

    echo "$PASSWORD" | erpkeeper mailbox add support --host imap.example.com \\
        --username support@example.com --password-stdin [--queue Helpdesk] [--every 5]
    erpkeeper mailbox poll support     (now, here; exit 1 when the mailbox cannot be read)

The password is read from standard input (``--password-stdin``), so it stays out of the shell
history and ``ps``; it is stored encrypted and never printed.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError

from erpkeeper.lib.cli import (
    EXIT_FAILED,
    CommandError,
    add_actions,
    emit,
    find_one,
    table,
    validation_error,
)
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Mailbox, MailboxSecurity, Queue
from erpkeeper.servicedesk.services.imap import MailboxError

LIST_COLUMNS = ["name", "server", "username", "folder", "queue", "enabled", "last_poll", "error"]


def register(sub) -> None:
    mailbox = sub.add_parser("mailbox", help="IMAP mailboxes polled for tickets")
    actions = mailbox.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help="mailboxes, their last poll and error").set_defaults(
        handler=handle_list
    )
    _register_add(actions)
    add_actions(
        actions,
        (
            (
                "test",
                "log in and open the folder, changing nothing; exit 1 if it fails",
                handle_test,
            ),
            ("poll", "file the unread mail now; exit 1 if the mailbox cannot be read", handle_poll),
            ("remove", "stop polling a mailbox (its tickets stay)", handle_remove),
        ),
        "name",
    )


def _register_add(actions) -> None:
    add = actions.add_parser("add", help="add a mailbox (the password on stdin)")
    add.add_argument("name")
    add.add_argument("--host", required=True, help="the IMAP server")
    add.add_argument("--port", type=int, help="default: 993 with TLS, else 143")
    add.add_argument(
        "--security", choices=[choice.value for choice in MailboxSecurity], default="tls"
    )
    add.add_argument("--username", required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--folder", default="INBOX")
    add.add_argument("--queue", metavar="NAME", help="the queue new tickets go to")
    add.add_argument("--every", type=int, default=5, metavar="MINUTES", help="poll interval")
    add.add_argument("--disabled", action="store_true", help="add it without polling it yet")
    add.set_defaults(handler=handle_add)


def handle_list(args) -> int:
    rows = [mailbox_row(mailbox) for mailbox in Mailbox.objects.select_related("queue")]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_add(args) -> int:
    password = sys.stdin.readline().strip() if args.password_stdin else ""
    port = args.port or (993 if args.security == MailboxSecurity.TLS else 143)
    queue = find_one(Queue.objects, "queue", name=args.queue) if args.queue else None
    try:
        mailbox = services.create_mailbox(
            name=args.name,
            host=args.host,
            port=port,
            security=args.security,
            username=args.username,
            password=password,
            folder=args.folder,
            queue=queue,
            poll_minutes=args.every,
            enabled=not args.disabled,
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, mailbox_row(mailbox), f"mailbox {mailbox.name} added")
    return 0


def handle_test(args) -> int:
    mailbox = find_mailbox(args.name)
    try:
        text = services.test_connection(mailbox)
    except MailboxError as exc:
        raise CommandError(str(exc), EXIT_FAILED, "unreachable") from None
    emit(args, {"name": mailbox.name, "ok": True, "detail": text}, text)
    return 0


def handle_poll(args) -> int:
    mailbox = find_mailbox(args.name)
    result = services.poll_mailbox(mailbox)
    lines = [f"{mailbox.name}: {result.summary()}"]
    lines += [f"left unread: {line}" for line in result.failed]
    if result.error:
        lines.append(f"error: {result.error}")
    emit(args, result.as_dict(), "\n".join(lines))
    return EXIT_FAILED if result.error else 0


def handle_remove(args) -> int:
    mailbox = find_mailbox(args.name)
    services.remove_mailbox(mailbox)
    emit(args, {"name": args.name, "removed": True}, f"mailbox {args.name} removed")
    return 0


def find_mailbox(name: str) -> Mailbox:
    return find_one(Mailbox.objects.select_related("queue"), "mailbox", name=name)


def mailbox_row(mailbox: Mailbox) -> dict:
    """What the CLI shows of a mailbox: whether a password is set, never the password."""
    return {
        "name": mailbox.name,
        "server": f"{mailbox.host}:{mailbox.port} ({mailbox.security})",
        "username": mailbox.username,
        "has_password": mailbox.has_password,
        "folder": mailbox.folder,
        "queue": mailbox.queue.name if mailbox.queue_id else "",
        "enabled": mailbox.enabled,
        "every_minutes": mailbox.poll_minutes,
        "last_poll": f"{mailbox.last_poll:%Y-%m-%d %H:%M}" if mailbox.last_poll else "",
        "error": mailbox.last_error,
        "filed": mailbox.received_count,
        "ignored": mailbox.ignored_count,
        "failed": mailbox.failed_count,
    }
