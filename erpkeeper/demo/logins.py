"""Login history: ir_session rows for successful logins, res_user_login_attempt for failures.

Users log in on the days they work (mostly weekday mornings, sometimes again after lunch).
Dormant accounts stop logging in long ago or never log in; a burst of failed logins for
"admin" from an outside address happens one Sunday night.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from erpkeeper.demo import catalog
from erpkeeper.demo.timeline import Clock

WORK_PROBABILITY = [0.88, 0.9, 0.9, 0.88, 0.85, 0.12, 0.01]  # Monday first


def join_dates(user_ids: dict[str, int], clock: Clock) -> dict[int, dt.datetime]:
    dates = {}
    for person in catalog.PEOPLE:
        if person.login not in user_ids:
            continue
        if person.joined_days_ago:
            day = clock.anchor - dt.timedelta(days=person.joined_days_ago)
            moment = dt.datetime.combine(day, dt.time(10, 12))
        else:
            moment = clock.go_live + dt.timedelta(minutes=40)
        dates[user_ids[person.login]] = moment
    return dates


def generate(seed: int, clock: Clock, user_ids: dict[str, int], admin_id: int) -> dict:
    rng = random.Random(seed * 7919 + 17)
    sessions = []  # (user id, moment, ip)
    attempts = []  # (login, moment, ip)
    people = [p for p in catalog.PEOPLE if p.login in user_ids and not p.never_logged_in]
    for number, person in enumerate(people):
        user_id = user_ids[person.login]
        first = clock.start
        if person.joined_days_ago:
            first = clock.anchor - dt.timedelta(days=person.joined_days_ago)
        last = clock.anchor - dt.timedelta(days=person.last_login_days_ago or 1)
        office_ip = f"10.8.1.{21 + number}"
        regular = bool(person.duties)
        day = first
        while day <= last:
            probability = WORK_PROBABILITY[day.weekday()] * (1.0 if regular else 0.35)
            if rng.random() < probability:
                ip = office_ip if rng.random() < 0.9 else f"10.9.0.{rng.randint(2, 250)}"
                morning = dt.datetime.combine(
                    day,
                    dt.time(8 if day.weekday() < 5 else 9, rng.randrange(60), rng.randrange(60)),
                ) + dt.timedelta(minutes=rng.randint(0, 75))
                sessions.append((user_id, morning, ip))
                if rng.random() < 0.3:
                    afternoon = dt.datetime.combine(
                        day, dt.time(13, rng.randrange(60), rng.randrange(60))
                    )
                    sessions.append((user_id, afternoon, ip))
                if rng.random() < 0.02:  # a typo in the password
                    attempts.append((person.login, morning - dt.timedelta(seconds=40), ip))
            day += dt.timedelta(days=1)
    # The administrator: maintenance logins, early on some Saturdays.
    day = clock.start
    while day < clock.anchor:
        if day.weekday() == 5 and rng.random() < 0.5:
            sessions.append(
                (admin_id, dt.datetime.combine(day, dt.time(7, rng.randrange(60))), "10.8.1.2")
            )
        elif day.weekday() < 5 and rng.random() < 0.2:
            sessions.append((admin_id, clock.moment_on(day), "10.8.1.2"))
        day += dt.timedelta(days=1)
    # A password-guessing burst from outside, one Sunday night.
    sunday = clock.anchor - dt.timedelta(days=40)
    while sunday.weekday() != 6:
        sunday -= dt.timedelta(days=1)
    burst = dt.datetime.combine(sunday, dt.time(3, 12))
    for n, login in enumerate(["admin"] * 12 + ["root", "test", "administrator", "sa"] * 2):
        attempts.append((login, burst + dt.timedelta(seconds=9 * n), "203.0.113.45"))
    # Someone trying the dormant account.
    attempts.append(("huang.lei", burst + dt.timedelta(days=3, hours=8), "198.51.100.7"))
    sessions.sort(key=lambda s: s[1])
    attempts.sort(key=lambda a: a[1])
    return {"sessions": sessions, "attempts": attempts}


def insert(transaction, rows: dict) -> None:
    from erpkeeper.demo.finalize import is_postgres

    p = "%s" if is_postgres(transaction) else "?"
    cursor = transaction.connection.cursor()
    session_rows = []
    for number, (user_id, moment, ip) in enumerate(rows["sessions"]):
        key = hashlib.sha256(f"{user_id}:{moment.isoformat()}:{number}".encode()).hexdigest()
        session_rows.append((moment, user_id, ip, key, moment, user_id))
    cursor.executemany(
        "INSERT INTO ir_session (create_date, create_uid, ip_address, key, write_date, write_uid) "
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
        session_rows,
    )
    cursor.executemany(
        "INSERT INTO res_user_login_attempt "
        "(create_date, create_uid, login, ip_address, ip_network) "
        f"VALUES ({p}, 0, {p}, {p}, {p})",
        [(m, login, ip, ip.rsplit(".", 1)[0] + ".0/24") for login, m, ip in rows["attempts"]],
    )
