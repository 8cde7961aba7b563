"""The accounts app's part of the daily housekeeping: old lines of the sign-in history."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from erpkeeper.accounts.models import LoginRecord
from erpkeeper.core.housekeeping import History


def _old_sign_ins(cutoff: dt.datetime) -> QuerySet:
    return LoginRecord.objects.filter(time__lt=cutoff)


# Kept as long as the job runs and notifications (ERPKEEPER_KEEP_HISTORY_DAYS). An address last
# used before the cutoff counts as new again for the new-address notice.
SIGN_INS = History("sign_ins", _old_sign_ins)
