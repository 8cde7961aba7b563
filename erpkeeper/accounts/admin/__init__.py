"""Console pages for users, roles (auth groups), API tokens and the sign-in history, themed
with unfold; the teams' pages are in accounts/teams/admin/."""

from erpkeeper.accounts.admin import sign_ins, site, tokens, users  # noqa: F401  (register)
from erpkeeper.accounts.teams import admin as teams_admin  # noqa: F401  (register)
