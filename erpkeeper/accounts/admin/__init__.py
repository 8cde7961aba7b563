"""Console pages for users, roles (auth groups), API tokens and the sign-in history, themed
with unfold."""

from erpkeeper.accounts.admin import sign_ins, site, tokens, users  # noqa: F401  (register)
