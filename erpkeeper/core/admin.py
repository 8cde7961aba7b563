from erpkeeper.core import audit_admin, jobs_admin, outbox_admin  # noqa: F401  (registers the ModelAdmins)
