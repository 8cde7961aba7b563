"""The console pages of the security app: snapshots (list, detail with conflicts and paths,
changes and the users x risks matrix), the simulation form, rule sets (checked on save),
mitigating controls and accepted exceptions; access review campaigns (reviews.py)."""

from erpkeeper.security.admin import (  # noqa: F401  (register the admins)
    findings,
    reviews,
    rulesets,
    snapshots,
)
