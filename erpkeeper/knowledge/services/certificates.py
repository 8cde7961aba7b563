"""The completion certificate as a PDF, in the learner's language (zh-Hans or English), with
the code that the console's *Verify a certificate* page checks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import Enrolment
from erpkeeper.lib.pdf import pdf_bytes

LANGUAGES = ("zh-hans", "en")


def certificate_language(user) -> str:
    """The learner's chosen language, else the platform's; Chinese or English."""
    profile = getattr(user, "profile", None)
    language = (getattr(profile, "language", "") or settings.LANGUAGE_CODE).lower()
    return "zh-hans" if language.startswith("zh") else "en"


def learner_name(user) -> str:
    """The learner's full name as it is written: a Chinese name family name first, no space."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}" or user.get_username()
    return user.get_full_name() or user.get_username()


def render_certificate(enrolment: Enrolment, language: str = "") -> str:
    if enrolment.completed is None:
        raise ValidationError(_("The course is not passed yet: no certificate."))
    language = language or certificate_language(enrolment.user)
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose zh-hans or en.")})
    user = enrolment.user
    with translation.override(language):
        return render_to_string(
            "knowledge/certificate.html",
            {
                "LANGUAGE_CODE": language,
                "enrolment": enrolment,
                "learner": learner_name(user),
                "completed": timezone.localtime(enrolment.completed),
                "generated": timezone.now(),
            },
        )


def certificate_pdf(enrolment: Enrolment, language: str = "") -> bytes:
    """The certificate with the CJK fonts embedded (PdfUnavailable without Pango)."""
    return pdf_bytes(render_certificate(enrolment, language))


def certificate_filename(enrolment: Enrolment) -> str:
    return f"certificate-{enrolment.course_id}-{enrolment.user.get_username()}.pdf"
