"""Console pages of the service desk: the agent desk (tickets) and its setup."""

from erpkeeper.servicedesk.admin import mailboxes, setup, tickets  # noqa: F401  (registers the admins)
