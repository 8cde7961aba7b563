"""Console pages for notification channels (form with write-only secrets, "Send test",
enable) and their deliveries (read-only: a log of attempts)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.lib.admin import BAD_COLOR, EvidenceAdminMixin, ServiceSaveMixin, mark
from erpkeeper.notifications import services
from erpkeeper.notifications.forms import ChannelForm, conditional_fields
from erpkeeper.notifications.models import Channel, Delivery


@admin.register(Channel)
class ChannelAdmin(ServiceSaveMixin, ModelAdmin):
    form = ChannelForm
    conditional_fields = conditional_fields()
    list_display = [
        "name",
        "kind",
        "destination_masked",
        "min_severity",
        "state_display",
        "last_delivery_display",
    ]
    list_filter = ["kind", "enabled", "min_severity"]
    search_fields = ["name", "destination_masked", "description"]
    filter_horizontal = ["targets"]
    actions_detail = ["send_test_detail", "enable_detail"]
    actions_row = ["send_test_row"]
    readonly_fields = ["destination_masked", "state_display", "last_delivery_display"]

    def get_fieldsets(self, request, obj=None):
        # One "Settings" section: the form shows only the fields of the chosen kind.
        settings_fields = ["url", "secret", "forget_secret", "host", "port", "security"]
        settings_fields += ["username", "password", "from_address", "recipients"]
        settings_fields += ["blocks", "message_type"]
        fieldsets = [
            (None, {"fields": ["name", "kind", "enabled", "min_severity", "description"]}),
            (_("Settings"), {"fields": settings_fields}),
            (_("Which notifications"), {"fields": ["targets"]}),
        ]
        if obj is not None:
            state = ["destination_masked", "state_display", "last_delivery_display"]
            fieldsets.append((_("State"), {"fields": state}))
        return fieldsets

    # -- saving and removing go through the services --------------------------------------------

    def save_through_service(self, request, obj, form, change):
        changes = form.changes()
        targets = changes.pop("targets")
        if change:
            return services.update_channel(
                Channel.objects.get(pk=obj.pk),
                secrets=form.new_secrets(),
                targets=targets,
                **changes,
            )
        return services.create_channel(secrets=form.new_secrets(), targets=targets, **changes)

    def save_related(self, request, form, formsets, change):
        pass  # the targets were set by the service in save_model

    def delete_model(self, request, obj):
        services.remove_channel(obj)

    # -- columns ----------------------------------------------------------------------------------

    @display(description=_("State"), ordering="enabled")
    def state_display(self, obj):
        if obj.enabled:
            return format_html("{} {}", mark(True), _("enabled"))
        if obj.disabled_reason:
            return format_html(
                '{} <span style="color: {}">{}</span>', mark(False), BAD_COLOR, obj.disabled_reason
            )
        return format_html("{} {}", mark(None), _("disabled"))

    @display(description=_("Last delivery"))
    def last_delivery_display(self, obj):
        # One query per row: an installation has a handful of channels.
        delivery = services.last_delivery(obj)
        if delivery is None:
            return mark(None)
        when = timezone.localtime(delivery.started).strftime("%Y-%m-%d %H:%M")
        if delivery.ok:
            return format_html("{} {}", mark(True), when)
        return format_html(
            '{} {} <span style="color: {}">{}</span>', mark(False), when, BAD_COLOR, delivery.error
        )

    # -- actions ----------------------------------------------------------------------------------

    @action(description=_("Send test"), icon="send", permissions=["send_test"])
    def send_test_detail(self, request, object_id):
        self._send_test(request, get_object_or_404(Channel, pk=object_id))
        return redirect(reverse("admin:notifications_channel_change", args=[object_id]))

    @action(description=_("Send test"), icon="send", permissions=["send_test"])
    def send_test_row(self, request, object_id):
        self._send_test(request, get_object_or_404(Channel, pk=object_id))
        return redirect(reverse("admin:notifications_channel_changelist"))

    @action(description=_("Enable"), icon="play_circle", permissions=["enable"])
    def enable_detail(self, request, object_id):
        channel = services.enable_channel(get_object_or_404(Channel, pk=object_id))
        messages.success(request, _("%(name)s is enabled again.") % {"name": channel.name})
        return redirect(reverse("admin:notifications_channel_change", args=[object_id]))

    def has_send_test_permission(self, request, object_id=None):
        # A test sends a real message out: for those who may change the channel.
        return request.user.has_perm("notifications.change_channel")

    def has_enable_permission(self, request, object_id=None):
        # On a channel's page the button shows only while it is disabled.
        return request.user.has_perm("notifications.change_channel") and (
            object_id is None or Channel.objects.filter(pk=object_id, enabled=False).exists()
        )

    def _send_test(self, request, channel: Channel) -> None:
        delivery = services.send_test(channel)
        if delivery.ok:
            messages.success(
                request,
                _("%(name)s: test message delivered in %(ms)s ms.")
                % {"name": channel.name, "ms": delivery.duration_ms},
            )
        else:
            messages.error(
                request,
                _("%(name)s: the test message failed: %(error)s")
                % {"name": channel.name, "error": delivery.error},
            )


@admin.register(Delivery)
class DeliveryAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "started",
        "channel",
        "message_display",
        "attempt",
        "ok_display",
        "status_code",
        "duration_ms",
        "error",
        "next_retry_at",
    ]
    list_filter = ["ok", "channel"]
    list_select_related = ["channel", "message"]
    search_fields = ["channel__name", "message__subject", "error"]
    date_hierarchy = "started"

    @display(description=_("Delivered"), ordering="ok")
    def ok_display(self, obj):
        return mark(obj.ok)

    @display(description=_("Notification"))
    def message_display(self, obj):
        if obj.message_id is None:
            return _("Test message")
        url = reverse("admin:core_outboxmessage_change", args=[obj.message_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.message)
