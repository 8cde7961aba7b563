"""Telling people: which alerts are due a message, which are held back, and sending them.

After each evaluation, every firing alert is checked:

* due a message when it was never announced, became more severe than what was announced, or
  (not acknowledged) its last message is ``repeat_minutes`` old; a resolved alert that was
  announced gets a "resolved" message;
* held back, with ``suppressed_reason`` recorded, when an active silence matches it, its target
  is inside a maintenance window, or the host it runs on is down (a firing "host down" alert
  inhibits the other alerts of that host and of the targets on it);
* escalated once to the rule's ``escalation_channel`` when still firing and unacknowledged
  ``escalate_after_minutes`` after it fired; when the rule names an ``escalation_team``, the
  person on call for that team at that moment (accounts' rotas and overrides) is paged by
  e-mail through the notifications app's e-mail channel (``core.mail``), and the alert records
  whom it paged.

Messages go through the outbox (``core.outbox.raise_alert``), one per target (or host) per
evaluation listing its alerts, and are delivered at once, in this thread, so that an alert
reaches people seconds after its sample arrived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.services import on_call
from erpkeeper.alerts.models import Alert, AlertState, Silence
from erpkeeper.alerts.values import alert_unit, value_text
from erpkeeper.core import mail, outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.monitoring.models import Host
from erpkeeper.notifications import delivery
from erpkeeper.notifications.channels.text import notification_from
from erpkeeper.notifications.loop import send_soon
from erpkeeper.notifications.services import attempt_send, record_result
from erpkeeper.targets.models import MaintenanceWindow
from erpkeeper.targets.windows import is_inside

SOURCE = "alerts"
RANK = {"": 0, "warning": 1, "critical": 2}
FIRING, SEVERITY, REPEAT, RESOLVED = "firing", "severity", "repeat", "resolved"


def send_notifications(report, now: dt.datetime) -> None:
    """Announce what ``report`` (an EvaluationReport) changed and what is due, then deliver."""
    firing = list(
        Alert.objects.filter(state=AlertState.FIRING)
        .select_related(
            "rule__escalation_channel", "rule__escalation_team", "target", "host", "series"
        )
        .prefetch_related("rule__channels")
    )
    held = Suppressions(now, firing)
    outgoing: list[tuple[Alert, str]] = []
    for alert in firing:
        reason = held.reason(alert)
        if reason != alert.suppressed_reason:
            alert.suppressed_reason = reason
            alert.save(update_fields=["suppressed_reason"])
        why = due(alert, now)
        if why and reason:
            report.suppressed += 1
        elif why:
            outgoing.append((alert, why))
    for alert in report.alerts("resolved"):
        close_escalation(alert)
        if alert.last_notified_at:
            outgoing.append((alert, RESOLVED))
    for group in grouped(outgoing):
        announce(group, now)
        report.messages += 1
    escalations = [a for a in firing if escalation_due(a, now) and not a.suppressed_reason]
    for alert in escalations:
        escalate(alert, now)
    report.escalated = len(escalations)
    close_sent_notices()  # those the sender thread sent since the last round
    # Last: the sender thread starts writing as soon as it is nudged. Without one in this
    # process the messages went out just now, inline, and their notices close at once.
    if report.messages and send_soon():
        close_sent_notices()


def due(alert: Alert, now: dt.datetime) -> str | None:
    """Why a firing alert needs a message now, if it does."""
    if alert.last_notified_at is None:
        return FIRING
    if RANK[alert.severity] > RANK[alert.notified_severity]:
        return SEVERITY
    repeat = alert.rule.repeat_minutes
    reminder_due = repeat and now - alert.last_notified_at >= dt.timedelta(minutes=repeat)
    return REPEAT if reminder_due and alert.acknowledged_at is None else None


def escalation_due(alert: Alert, now: dt.datetime) -> bool:
    rule = alert.rule
    channel = rule.escalation_channel
    if alert.escalated_at or alert.acknowledged_at or rule.escalate_after_minutes is None:
        return False
    if (channel is None or not channel.enabled) and rule.escalation_team_id is None:
        return False
    return now - alert.fired_at >= dt.timedelta(minutes=rule.escalate_after_minutes)


# -- suppression ----------------------------------------------------------------------------------


def is_host_down_alert(alert: Alert) -> bool:
    rule = alert.rule
    return rule.metric == "collector.up" and rule.label_selector.get("collector") == "host"


class Suppressions:
    """Silences, maintenance windows and down hosts at ``now``, loaded once per evaluation."""

    def __init__(self, now: dt.datetime, firing: list[Alert]):
        self.now = now
        self.silences = list(Silence.objects.filter(starts__lte=now, ends__gt=now))
        self.windows = defaultdict(list)
        target_ids = {alert.target_id for alert in firing if alert.target_id}
        for window in MaintenanceWindow.objects.filter(target_id__in=target_ids):
            self.windows[window.target_id].append(window)
        self.down_hosts = {a.host_id: a.host for a in firing if is_host_down_alert(a)}
        self.targets_on_down_hosts = dict(
            Host.targets.through.objects.filter(host_id__in=self.down_hosts).values_list(
                "target_id", "host_id"
            )
        )

    def reason(self, alert: Alert) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return self._reason(alert)[:255]

    def _reason(self, alert: Alert) -> str:
        for silence in self.silences:
            if silence_matches(silence, alert):
                return _("silenced: %(comment)s") % {"comment": silence.comment}
        for window in self.windows.get(alert.target_id, ()):
            if is_inside(window, self.now):
                return _("in the maintenance window %(window)s") % {"window": window}
        if is_host_down_alert(alert):
            return ""
        host_id = alert.host_id if alert.host_id in self.down_hosts else None
        host_id = host_id or self.targets_on_down_hosts.get(alert.target_id)
        if host_id:
            return _("host %(host)s is down") % {"host": self.down_hosts[host_id].name}
        return ""


def silence_matches(silence: Silence, alert: Alert) -> bool:
    """Every field the silence sets must match; a silence that sets none matches everything."""
    metric = alert.series.metric if alert.series_id else alert.rule.metric
    return (
        (silence.rule_id is None or silence.rule_id == alert.rule_id)
        and (silence.target_id is None or silence.target_id == alert.target_id)
        and (silence.host_id is None or silence.host_id == alert.host_id)
        and (not silence.metric or silence.metric == metric)
    )


# -- messages -------------------------------------------------------------------------------------


def grouped(outgoing: list[tuple[Alert, str]]) -> list[list[tuple[Alert, str]]]:
    """One group per target (or host), per set of rule channels, resolved apart from firing."""
    groups: dict[tuple, list] = defaultdict(list)
    for alert, why in outgoing:
        where = ("target", alert.target_id) if alert.target_id else ("host", alert.host_id)
        channels = tuple(sorted(channel.pk for channel in alert.rule.channels.all()))
        groups[(where, channels, why == RESOLVED)].append((alert, why))
    return list(groups.values())


def announce(group: list[tuple[Alert, str]], now: dt.datetime) -> OutboxMessage:
    """Raise one message for a group of alerts and record it on them."""
    alerts = [alert for alert, _why in group]
    resolved = group[0][1] == RESOLVED
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = wording(group)
    event = event_for(alerts, resolved)
    target = alerts[0].target
    # A message with this key that was already sent would swallow this one (raise_alert merges
    # open messages): close it so that this one is sent.
    outbox.resolve_alerts(source=SOURCE, event=event, target=target)
    message = outbox.raise_alert(
        source=SOURCE,
        event=event,
        subject=subject,
        severity=max((a.severity for a in alerts), key=RANK.get),
        target=target,
        body=body,
        link=alert_link(alerts[0]),
    )
    channels = [c for c in alerts[0].rule.channels.all() if c.enabled]
    if channels:
        deliver_to(message, channels)
    for alert in alerts:
        record_announcement(alert, message, now, resolved)
    return message


def record_announcement(alert: Alert, message: OutboxMessage, now, resolved: bool) -> None:
    if resolved and alert.last_message_id:
        close_message_if_done(alert.last_message_id, alert)
    alert.last_notified_at = now
    alert.notifications_sent += 1
    if RANK[alert.severity] > RANK[alert.notified_severity]:
        alert.notified_severity = alert.severity
    alert.last_message = message
    alert.save(
        update_fields=[
            "last_notified_at",
            "notifications_sent",
            "notified_severity",
            "last_message",
        ]
    )


def close_message_if_done(message_id: int, alert: Alert) -> None:
    """The firing message leaves the open notifications once none of its alerts still fires."""
    still_firing = Alert.objects.filter(last_message_id=message_id, state=AlertState.FIRING)
    if not still_firing.exclude(pk=alert.pk).exists():
        OutboxMessage.objects.filter(pk=message_id, state__in=outbox.OPEN_STATES).update(
            state=OutboxMessage.State.RESOLVED
        )


def close_rule_notices(rule) -> int:
    """Before a rule is deleted: its alerts' open notifications leave the open ones (a message
    shared with another rule's firing alert stays). Returns how many were resolved."""
    alerts = list(Alert.objects.filter(rule=rule).select_related("target"))
    closed = 0
    for message_id in {alert.last_message_id for alert in alerts if alert.last_message_id}:
        others = Alert.objects.filter(last_message_id=message_id, state=AlertState.FIRING)
        if others.exclude(rule=rule).exists():
            continue
        message = OutboxMessage.objects.filter(pk=message_id).first()
        closed += bool(message and outbox.resolve_message(message))
    for alert in alerts:
        if alert.escalated_at:
            closed += outbox.resolve_alerts(
                source=SOURCE, event=f"escalated:{alert.fingerprint[:48]}", target=alert.target
            )
    return closed


def close_escalation(alert: Alert) -> None:
    if alert.escalated_at:
        outbox.resolve_alerts(
            source=SOURCE, event=f"escalated:{alert.fingerprint[:48]}", target=alert.target
        )


def close_sent_notices() -> None:
    """A "resolved" message asks nothing of anyone: once sent it leaves the open ones."""
    OutboxMessage.objects.filter(
        source=SOURCE, event__startswith="resolved:", state=OutboxMessage.State.SENT
    ).update(state=OutboxMessage.State.RESOLVED)


def event_for(alerts: list[Alert], resolved: bool) -> str:
    """Per alert (its fingerprint) so that messages of different alerts never merge."""
    prefix = "resolved" if resolved else "alert"
    if len(alerts) == 1:
        return f"{prefix}:{alerts[0].fingerprint[:48]}"
    joined = ",".join(sorted(alert.fingerprint for alert in alerts))
    return f"{prefix}:group:{hashlib.sha256(joined.encode()).hexdigest()[:40]}"


def wording(group: list[tuple[Alert, str]]) -> tuple[str, str]:
    lines = [alert_line(alert, why) for alert, why in group]
    if len(group) == 1:
        return lines[0], detail(group[0][0])
    alert, why = group[0]
    where = alert.target.name if alert.target_id else alert.host.name
    tag = tag_for(why)
    subject = _("[%(tag)s] %(count)d alerts on %(place)s") % {
        "tag": tag,
        "count": len(group),
        "place": where,
    }
    return subject, "\n".join(lines)


def tag_for(why: str) -> str:
    return {RESOLVED: _("RESOLVED"), REPEAT: _("STILL FIRING")}.get(why, _("FIRING"))


def alert_line(alert: Alert, why: str) -> str:
    return _("[%(tag)s] %(summary)s (%(severity)s)") % {
        "tag": tag_for(why),
        "summary": alert.summary_text,
        "severity": alert.get_severity_display(),
    }


def detail(alert: Alert) -> str:
    rule = alert.rule
    if alert.no_data:
        return _("No sample for %(n)s intervals.") % {"n": rule.no_data_intervals}
    unit = alert_unit(alert)
    text = _("%(metric)s = %(value)s (warning %(warning)s, critical %(critical)s), since %(since)s")
    return text % {
        "metric": rule.metric,
        "value": "—" if alert.value is None else value_text(alert.value, unit),
        "warning": threshold_text(rule.operator, rule.warning_threshold, unit),
        "critical": threshold_text(rule.operator, rule.critical_threshold, unit),
        "since": f"{alert.started:%Y-%m-%d %H:%M:%S %Z}",
    }


def threshold_text(op: str, threshold: float | None, unit: str) -> str:
    return "—" if threshold is None else f"{op} {value_text(threshold, unit)}"


def alert_link(alert: Alert) -> str:
    # The console's change page (the admin is served at the site root).
    return f"/alerts/alert/{alert.pk}/change/"


# -- direct delivery ------------------------------------------------------------------------------


def deliver_to(message: OutboxMessage, channels) -> None:
    """Send ``message`` to exactly these channels now (a rule's own channels, an escalation).

    Delivered once, the message is marked sent and the general delivery leaves it alone; if
    every one of these attempts failed it stays pending, and the general delivery sends it to
    every channel that accepts it: a broken escalation channel must not swallow the alert.
    Failed attempts are retried by the general delivery like any other.
    """
    notification = notification_from(message)
    for channel in channels:
        claimed = delivery.claim(channel, message, 1)
        if claimed is None:
            continue
        result = attempt_send(channel, notification)
        record_result(claimed, result, delivery.next_retry_time(1, result))
        if result.ok:
            outbox.mark_sent(message)


def escalate(alert: Alert, now: dt.datetime) -> None:
    """Raise the escalation message, send it to the escalation channel and page the person on
    call for the escalation team (both named in it)."""
    rule = alert.rule
    team = rule.escalation_team
    person = on_call(team, now) if team is not None else None
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = escalation_wording(alert, team, person)
    message = outbox.raise_alert(
        source=SOURCE,
        event=f"escalated:{alert.fingerprint[:48]}",
        subject=subject,
        severity=alert.severity,
        target=alert.target,
        body=body,
        link=alert_link(alert),
    )
    channel = rule.escalation_channel
    if channel is not None and channel.enabled:
        deliver_to(message, [channel])
    if team is not None:
        page(alert, message, team, person)
    alert.escalated_at = now
    alert.save(update_fields=["escalated_at", "paged_user", "paged_address", "page_error"])


def escalation_wording(alert: Alert, team, person) -> tuple[str, str]:
    subject = _("[ESCALATED] %(summary)s") % {"summary": alert.summary_text}
    body = _("Firing since %(fired)s and not acknowledged.") % {
        "fired": f"{alert.fired_at:%Y-%m-%d %H:%M:%S %Z}"
    }
    if person is not None:
        name = person_name(person)
        subject = _("[ESCALATED] %(summary)s: paging %(person)s") % {
            "summary": alert.summary_text,
            "person": name,
        }
        body += "\n" + _("%(person)s is on call for %(team)s and is paged.") % {
            "person": name,
            "team": team.name,
        }
    elif team is not None:
        body += "\n" + _("Nobody is on call for %(team)s.") % {"team": team.name}
    return subject, body + "\n" + detail(alert)


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def page(alert: Alert, message: OutboxMessage, team, person) -> None:
    """Mail the escalation to ``person`` (the team's on-call person) and record it on the alert
    (saved by the caller). A page that could not go out says why; the message then stays
    pending unless the escalation channel took it, so the general delivery still sends it."""
    alert.paged_user = person
    alert.paged_address = ""
    alert.page_error = ""
    with translation.override(settings.LANGUAGE_CODE):
        if person is None:
            alert.page_error = _("nobody is on call for %(team)s") % {"team": team.name}
            return
        if not person.email:
            alert.page_error = _("%(person)s has no e-mail address") % {
                "person": person_name(person)
            }
            return
    try:
        mail.send(
            mail.OutgoingMail(
                to=(person.email,),
                subject=message.subject,
                body=page_text(message),
                message_id=f"<page-{alert.pk}-{uuid.uuid4().hex}@erpkeeper>",
            )
        )
    except mail.MailNotSent as exc:
        alert.page_error = str(exc)[:255]
        return
    alert.paged_address = person.email
    outbox.mark_sent(message)


def page_text(message: OutboxMessage) -> str:
    lines = [message.body]
    if message.link:
        lines += ["", notification_from(message).link]
    return "\n".join(lines)


def announce_manual_resolve(alert: Alert, now: dt.datetime) -> None:
    """Someone resolved an announced alert by hand: say so like an automatic resolve (the
    scheduled delivery sends it)."""
    if alert.last_notified_at:
        announce([(alert, RESOLVED)], now)
