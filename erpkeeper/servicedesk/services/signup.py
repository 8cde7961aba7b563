"""Self-registration on the portal, for people of the e-mail domains in
ERPKEEPER_PORTAL_SIGNUP_DOMAINS (empty: nobody; the team creates the accounts).

The account is created inactive with the Portal user role, and a link signed with the
installation's secret key (valid SIGNUP_LINK_DAYS) is mailed to the address: following it
proves the address and activates the account. Nothing else needs storing. When no mail can be
sent, the account waits for the team, who may activate it in the console (Users: Active).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.accounts import services as accounts
from erpkeeper.core import mail
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk.services.mail_out import new_message_id

SIGNUP_SALT = "erpkeeper.servicedesk.portal-signup"
SIGNUP_LINK_DAYS = 3


def signup_open() -> bool:
    return bool(settings.PORTAL_SIGNUP_DOMAINS)


def domain_allowed(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in settings.PORTAL_SIGNUP_DOMAINS


def sign_up(username: str, email: str, password: str, *, full_name: str = "", language=""):
    """Create an inactive Portal user for an address of an allowed domain. Returns the user;
    ValidationError for a closed sign-up, another domain, a name or address in use, or a
    password the policy refuses."""
    if not signup_open():
        raise ValidationError(_("Accounts are created by the ERP team: ask them for one."))
    if not domain_allowed(email):
        raise ValidationError(
            {"email": [_("Use your work e-mail address (%(domains)s).") % _domains()]}
        )
    if get_user_model().objects.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": [_("An account with this e-mail address exists.")]})
    first, _sep, last = full_name.strip().partition(" ")
    with transaction.atomic():
        user, _generated = accounts.create_user(
            username,
            email,
            Role.PORTAL_USER,
            password,
            first_name=first[:150],
            last_name=last[:150],
            language=language,
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def _domains() -> dict:
    return {"domains": ", ".join("@" + domain for domain in settings.PORTAL_SIGNUP_DOMAINS)}


def confirmation_token(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=SIGNUP_SALT)


def send_confirmation(user, link: str) -> bool:
    """Mail the confirmation link; False when it could not be sent (the team then activates)."""
    text = _(
        "Hello %(name)s,\n\nconfirm your e-mail address to start using the ERP help desk:\n"
        "%(link)s\n\nThe link is valid for %(days)d days. If you did not ask for an account, "
        "ignore this message."
    ) % {"name": user.get_full_name() or user.username, "link": link, "days": SIGNUP_LINK_DAYS}
    message = mail.OutgoingMail(
        to=(user.email,),
        subject=_("Confirm your ERP help desk account"),
        body=text,
        message_id=new_message_id(),
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        mail.send(message)
    except mail.MailNotSent:
        return False
    return True


def confirm_sign_up(token: str):
    """Activate the account the link was made for. ValidationError when the link is broken,
    too old, or the address changed since."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_LINK_DAYS * 86400)
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid or has expired.")) from None
    user = get_user_model().objects.filter(pk=data.get("user")).first()
    if user is None or user.email.lower() != data.get("email"):
        raise ValidationError(_("This link is not valid or has expired."))
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user
