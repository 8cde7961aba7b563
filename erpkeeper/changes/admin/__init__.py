"""The changes app's console: change requests with their workflow, and what surrounds them."""

from erpkeeper.changes.admin import requests, setup  # noqa: F401  (registers the model admins)
