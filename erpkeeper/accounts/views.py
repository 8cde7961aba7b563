"""Console views of the accounts app outside the model admin: the language switch and the user's
own two-factor pages (the sign-in's code step, enrolment, recovery codes)."""

import django_otp
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts import services
from erpkeeper.accounts.forms import TOTPDeviceSetupForm, TwoFactorCodeForm
from erpkeeper.accounts.lockout import lockout_response
from erpkeeper.accounts.models import LoginRecord
from erpkeeper.accounts.services import two_factor

SIGN_IN_LAYOUT = "unfold/layouts/unauthenticated.html"
CONSOLE_LAYOUT = "admin/base_site.html"
RECENT_SIGN_INS = 20


@require_POST
def set_language(request):
    """Django's set_language (cookie and redirect), and for a signed-in user also their profile,
    so the choice follows them to other browsers and to the API."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    codes = {code for code, _name in settings.LANGUAGES}
    if request.user.is_authenticated and language in codes:
        services.set_language(request.user, language)
    return response


# --- the sign-in's code step -----------------------------------------------------------------


def two_factor_verify(request):
    """After the password: a code from the authenticator or a recovery code, unless this
    browser was remembered. Wrong codes count towards the lockout like wrong passwords."""
    user = request.user
    if user.is_verified() or not services.has_two_factor(user):
        return redirect(next_url(request))
    cookie = request.COOKIES.get(two_factor.remember_cookie_name(user))
    device = two_factor.remembered_device(user, cookie)
    if device is not None:
        two_factor.pass_second_step(request, device, LoginRecord.Method.REMEMBERED)
        return redirect(next_url(request))
    days = two_factor.remember_days()
    form = TwoFactorCodeForm(request.POST or None, remember_days=days)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.verify_sign_in(request, form.cleaned_data["code"])
        except services.AccountLockedOut:
            logout(request)  # start again from the password once the lock is lifted
            return lockout_response(request, None)
        if check.ok:
            response = redirect(next_url(request))
            if form.cleaned_data.get("remember"):
                remember_browser(response, user, check.device)
            return response
        form.add_error("code", check.error)
    context = {
        **admin.site.each_context(request),
        "title": _("Two-factor authentication"),
        "form": form,
        "next": next_url(request),
    }
    return TemplateResponse(request, "accounts/two_factor_verify.html", context)


def remember_browser(response, user, device) -> None:
    """Set the signed cookie that skips the code on this browser for the remembered days."""
    if not isinstance(device, TOTPDevice):
        device = two_factor.confirmed_device(user)  # a recovery code remembers the app
    if device is None:
        return
    response.set_cookie(
        two_factor.remember_cookie_name(user),
        two_factor.remember_cookie_value(user, device),
        max_age=two_factor.remember_days() * 24 * 3600,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def next_url(request) -> str:
    """Where to go after the step: ``next`` when it is a page of this site, else the dashboard."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else reverse("admin:index")


# --- enrolment -------------------------------------------------------------------------------


def two_factor_setup(request):
    """Scan the QR code (or type the key), confirm with a code, then see the recovery codes
    once. The same page replaces an authenticator (a new phone) for a user who has one."""
    user = request.user
    forced = enrolment_forced(user)
    device = services.start_enrolment(user)
    form = TOTPDeviceSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.confirm_enrolment(user, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict["code"])
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return recovery_codes_page(request, codes, forced=forced)
    context = {
        **admin.site.each_context(request),
        "title": _("Set up two-factor authentication"),
        "layout": SIGN_IN_LAYOUT if forced else CONSOLE_LAYOUT,
        "forced": forced,
        "form": form,
        "qr_code": two_factor.qr_code_svg(device),
        "manual_key": two_factor.manual_key(device),
        "issuer": settings.OTP_TOTP_ISSUER,
        "required": services.two_factor_required(user),
        "replacing": services.has_two_factor(user),
        "next": next_url(request),
        "account_url": reverse("accounts-two-factor"),
    }
    return TemplateResponse(request, "accounts/two_factor_setup.html", context)


def enrolment_forced(user) -> bool:
    """Whether this is the sign-in's enrolment step (nothing else is reachable until done),
    rather than a choice made from the account page."""
    return services.two_factor_required(user) and not services.has_two_factor(user)


def recovery_codes_page(request, codes: list[str], *, forced: bool = False):
    context = {
        **admin.site.each_context(request),
        "title": _("Your recovery codes"),
        "layout": SIGN_IN_LAYOUT if forced else CONSOLE_LAYOUT,
        "codes": codes,
        "codes_text": "\n".join(codes),
        "continue_url": next_url(request) if forced else reverse("accounts-two-factor"),
    }
    return TemplateResponse(request, "accounts/two_factor_recovery_codes.html", context)


# --- the user's own page ---------------------------------------------------------------------


def two_factor_account(request):
    """The user's two-factor state, what they can do about it, and their recent sign-ins."""
    user = request.user
    context = {
        **admin.site.each_context(request),
        "title": _("Two-factor authentication"),
        "state": services.two_factor_state(user),
        "remember_days": two_factor.remember_days(),
        "sign_ins": services.sign_ins_of(user, RECENT_SIGN_INS),
    }
    return TemplateResponse(request, "accounts/two_factor_account.html", context)


@require_POST
def two_factor_recovery_codes(request):
    try:
        codes = services.regenerate_recovery_codes(request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts-two-factor")
    messages.success(request, _("New recovery codes made: the old ones no longer work."))
    return recovery_codes_page(request, codes)


@require_POST
def two_factor_disable(request):
    """Turn one's own two-factor authentication off, unless one's role requires it."""
    if services.two_factor_required(request.user):
        messages.error(request, _("Your role requires two-factor authentication."))
        return redirect("accounts-two-factor")
    services.reset_two_factor(request.user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts-two-factor")


@require_POST
def two_factor_forget_browsers(request):
    """Make every browser remembered for the user ask for the code again, this one included."""
    services.forget_remembered_browsers(request.user)
    messages.success(request, _("Every remembered browser asks for the code again."))
    response = redirect("accounts-two-factor")
    response.delete_cookie(two_factor.remember_cookie_name(request.user))
    return response
