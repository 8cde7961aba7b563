# Django imports <app>.admin; core's ModelAdmins live in the packages they belong to.
from erpkeeper.core.audit import admin as audit_admin  # noqa: F401
from erpkeeper.core.jobs import admin as jobs_admin  # noqa: F401
from erpkeeper.core.outbox import admin as outbox_admin  # noqa: F401
