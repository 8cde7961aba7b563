"""The console's sign-in form and its own-password page."""

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.forms import (
    AdminOwnPasswordChangeForm,
    AuthenticationForm,
)

from erpkeeper.accounts import services

CURRENT_PASSWORD_FIELDS = {"current_password": "old_password", "new_password": "new_password2"}


class ConsoleLoginForm(AuthenticationForm):
    """The sign-in form, without Django's words about "staff accounts" (every user is staff)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password. Both are case-sensitive."),
    }


class OwnPasswordChangeForm(AdminOwnPasswordChangeForm):
    """Change one's own password through the accounts services, as the API does: the new one
    must differ from the current one, and wrong current passwords count towards the lockout."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        # Checked in clean() by the service, which also counts a wrong one.
        return self.cleaned_data["old_password"]

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        if self.errors:
            return self.cleaned_data
        try:
            services.check_password_change(
                self.user,
                self.cleaned_data["old_password"],
                self.cleaned_data["new_password2"],
                self.request,
            )
        except ValidationError as exc:
            for field, reasons in exc.message_dict.items():
                self.add_error(CURRENT_PASSWORD_FIELDS.get(field), reasons)
        except services.AccountLockedOut as exc:
            self.add_error(None, str(exc))
        return self.cleaned_data

    def save(self, commit=True):
        services.set_password(self.user, self.cleaned_data["new_password2"])
        return self.user


class OwnPasswordChangeView(PasswordChangeView):
    form_class = OwnPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def password_change(request, extra_context=None):
    """unfold's AdminSite.password_change with OwnPasswordChangeForm: unfold names its own form
    there and ignores AdminSite.password_change_form."""
    site = admin.site
    defaults = {
        "success_url": reverse(f"{site.name}:password_change_done", current_app=site.name),
        "extra_context": {**site.each_context(request), **(extra_context or {})},
    }
    if site.password_change_template is not None:
        defaults["template_name"] = site.password_change_template
    request.current_app = site.name
    return OwnPasswordChangeView.as_view(**defaults)(request)


admin.site.login_form = ConsoleLoginForm
admin.site.password_change = password_change
