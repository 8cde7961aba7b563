"""Console pages: teams, the RACI matrix (a grid), rotas and the on-call timeline, overrides,
hand-over notes and announcements."""

from erpkeeper.accounts.teams.admin import announcements, raci, rotas, teams  # noqa: F401
