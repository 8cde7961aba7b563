"""Assets in the console: assets (with disks, interfaces, software and maintenance), sites and
racks, licences, inspections and the replacement plan with its budget chart. Pages that are
not model admins (import and export, recording an inspection) are in ``assets.views``."""

from erpkeeper.assets.admin import care, inventory  # noqa: F401
