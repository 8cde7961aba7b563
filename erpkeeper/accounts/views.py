"""Console views of the accounts app outside the model admin."""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from erpkeeper.accounts import services


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
