"""Teams, RACI, on-call and announcements: one function per operation, called by the console,
the API, the CLI, the demo and (``on_call``) the alert escalation.

teams.py          teams and members
raci.py           the RACI matrix (one Accountable per area)
oncall.py         rotas, overrides, hand-over notes; ``on_call(team, at)``
feeds.py          the iCal feed of a rota (a tokenised address)
announcements.py  to the team (outbox, mail) and to the portal (a banner)
"""

from erpkeeper.accounts.teams.services.announcements import (
    create_announcement,
    delete_announcement,
    portal_announcements,
    send_due_announcements,
    update_announcement,
)
from erpkeeper.accounts.teams.services.feeds import (
    hash_feed_token,
    ical_feed,
    new_feed_token,
    revoke_feed,
    rota_for_token,
)
from erpkeeper.accounts.teams.services.oncall import (
    Shift,
    add_override,
    create_rota,
    current_shift,
    latest_handover_notes,
    may_manage,
    on_call,
    remove_override,
    set_members,
    upcoming_shifts,
    update_rota,
    write_handover_note,
)
from erpkeeper.accounts.teams.services.raci import (
    Matrix,
    accountable_for,
    check_area,
    matrix_rows,
    raci_matrix,
    set_raci,
)
from erpkeeper.accounts.teams.services.teams import (
    add_member,
    create_team,
    delete_team,
    remove_member,
    teams_of,
    update_team,
)

__all__ = [
    "Matrix",
    "Shift",
    "accountable_for",
    "add_member",
    "add_override",
    "check_area",
    "create_announcement",
    "create_rota",
    "create_team",
    "current_shift",
    "delete_announcement",
    "delete_team",
    "hash_feed_token",
    "ical_feed",
    "latest_handover_notes",
    "matrix_rows",
    "may_manage",
    "new_feed_token",
    "on_call",
    "portal_announcements",
    "raci_matrix",
    "remove_member",
    "remove_override",
    "revoke_feed",
    "rota_for_token",
    "send_due_announcements",
    "set_members",
    "set_raci",
    "teams_of",
    "update_announcement",
    "update_rota",
    "update_team",
    "upcoming_shifts",
    "write_handover_note",
]
