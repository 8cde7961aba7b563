"""Console pages of the service desk: the agent desk (tickets) and its setup."""

from erpkeeper.servicedesk.admin import (  # noqa: F401  (registers the admins)
    problems,
    saved_filters,
    setup,
    tickets,
)
