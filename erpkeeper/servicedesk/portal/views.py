"""The portal's pages. Every page but the sign-in needs a signed-in user (a portal user or a
console user: anyone may ask for help) and shows only that user's own tickets; every write is
one of the desk's services, called with ``via=portal`` under the request's audit context."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Via
from erpkeeper.servicedesk.portal.forms import (
    TicketMessagePortalForm,
    TicketPortalForm,
    TicketRatingPortalForm,
    UserPortalPasswordForm,
    UserPortalSignupForm,
)
from erpkeeper.servicedesk.services import portal, signup
from erpkeeper.servicedesk.services.attachments import allowed_extensions, store_root

LOGIN_URL = reverse_lazy("portal:login")
SUGGEST_MIN_CHARS = 3
SUGGEST_MAX_CHARS = 200
# The portal visit whose help suggestions may be followed by a ticket (deflection).
HELP_SEARCH_KEY = "servicedesk_help_search"


class PortalMixin(LoginRequiredMixin):
    """Signed in through the portal's own page; the banner of a major incident on every page."""

    login_url = LOGIN_URL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["major_incidents"] = portal.major_incidents()
        return context


class UserPortalLoginView(auth_views.LoginView):
    """Django's sign-in (django-axes counts the failures and locks out as on the console);
    ``next`` is followed only to this site (LoginView checks it)."""

    template_name = "servicedesk/portal/login.html"
    redirect_authenticated_user = True
    extra_context = {"signup_open": signup.signup_open}

    def get_default_redirect_url(self):
        return reverse("portal:tickets")


class UserPortalSignupView(FormView):
    """Self-registration (only for the domains of ERPKEEPER_PORTAL_SIGNUP_DOMAINS): the account
    is created inactive and a confirmation link is mailed to the address."""

    template_name = "servicedesk/portal/signup.html"
    form_class = UserPortalSignupForm

    def dispatch(self, request, *args, **kwargs):
        if not signup.signup_open():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = signup.sign_up(
                data["username"],
                data["email"],
                data["password1"],
                full_name=data["full_name"],
                language=get_language() or "",
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        token = signup.confirmation_token(user)
        link = self.request.build_absolute_uri(reverse("portal:signup-confirm", args=[token]))
        sent = signup.send_confirmation(user, link)
        return self.render_to_response(self.get_context_data(done=True, sent=sent, form=form))


def _add_errors(form, exc: ValidationError) -> None:
    """The service's reasons on the form's fields where it has them, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, reasons in exc.message_dict.items():
        if field == "password":
            field = "password1"
        form.add_error(field if field in form.fields else None, reasons)


class UserPortalSignupConfirmView(TemplateView):
    """The mailed link: activates the account, then the user signs in."""

    template_name = "servicedesk/portal/signup.html"

    def get(self, request, token):
        try:
            signup.confirm_sign_up(token)
        except ValidationError as exc:
            return self.render_to_response({"confirm_error": " ".join(exc.messages)})
        messages.success(request, _("Your e-mail address is confirmed: sign in now."))
        return redirect("portal:login")


class UserPortalLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


@method_decorator(never_cache, name="dispatch")
class UserPortalPasswordView(PortalMixin, auth_views.PasswordChangeView):
    """A new password: where a one-time password leads (the middleware keeps the portal user
    here until it is replaced)."""

    template_name = "servicedesk/portal/password.html"
    form_class = UserPortalPasswordForm
    success_url = reverse_lazy("portal:tickets")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


class TicketPortalListView(PortalMixin, ListView):
    """My tickets, with the maintenance notices of the coming days."""

    template_name = "servicedesk/portal/tickets.html"
    context_object_name = "tickets"
    paginate_by = 25

    def get_queryset(self):
        return portal.my_tickets(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notices"] = portal.maintenance_notices()
        context["announcements"] = portal.announcements()
        return context


class TicketPortalCreateView(PortalMixin, FormView):
    template_name = "servicedesk/portal/ticket_form.html"
    form_class = TicketPortalForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["max_mb"] = settings.SERVICEDESK_ATTACHMENT_MAX_MB
        context["allowed_types"] = ", ".join(sorted(allowed_extensions()))
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                subject=data["subject"],
                body=data["body"],
                requester=self.request.user,
                category=data["category"],
                erp_module=data["erp_module"],
                target=data["target"],
                impact=data["impact"],
                urgency=data["urgency"],
                via=Via.PORTAL,
                attachments=form.incoming_files(),
            )
        except ValidationError as exc:
            form.add_error(None, validation_text(exc))
            return self.form_invalid(form)
        search_id = self.request.session.pop(HELP_SEARCH_KEY, None)
        portal.ticket_followed(self.request.user, search_id, ticket)
        messages.success(
            self.request, _("Ticket %(number)s was opened.") % {"number": ticket.number}
        )
        return redirect("portal:ticket", number=ticket.number)


class TicketPortalDetailView(PortalMixin, TemplateView):
    """One of my tickets: the public conversation, the reply (or reopen) box, the rating."""

    template_name = "servicedesk/portal/ticket.html"

    def get(self, request, *args, **kwargs):
        ticket = portal.my_ticket(request.user, kwargs["number"])
        if ticket.merged_into_id:  # a duplicate: its conversation is on the other ticket
            return redirect("portal:ticket", number=ticket.merged_into.number)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = portal.my_ticket(self.request.user, self.kwargs["number"])
        context.update(
            ticket=ticket,
            conversation=portal.public_messages(ticket),
            may_reply=portal.may_reply(ticket),
            may_rate=portal.may_rate(ticket),
            reopen_days=settings.SERVICEDESK_REOPEN_DAYS,
            reply_form=kwargs.get("reply_form") or TicketMessagePortalForm(),
            rating_form=kwargs.get("rating_form")
            or TicketRatingPortalForm(
                initial={"rating": ticket.csat_rating, "comment": ticket.csat_comment}
            ),
        )
        return context


class TicketMessagePortalCreateView(TicketPortalDetailView):
    """POST: the requester's reply, which takes a waiting ticket back to the desk and reopens
    a resolved one within the reopening period."""

    http_method_names = ["post"]

    def post(self, request, number):
        ticket = portal.my_ticket(request.user, number)
        form = TicketMessagePortalForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.reply(
                    ticket,
                    form.cleaned_data["body"],
                    author=request.user,
                    via=Via.PORTAL,
                    attachments=form.incoming_files(),
                )
            except ValidationError as exc:
                form.add_error(None, validation_text(exc))
            else:
                messages.success(request, _("Your reply was sent."))
                return redirect("portal:ticket", number=number)
        return self.render_to_response(self.get_context_data(reply_form=form))


class TicketRatingPortalView(TicketPortalDetailView):
    """POST: the satisfaction rating of a resolved or closed ticket (may be changed)."""

    http_method_names = ["post"]

    def post(self, request, number):
        ticket = portal.my_ticket(request.user, number)
        form = TicketRatingPortalForm(request.POST)
        if form.is_valid():
            try:
                services.rate(
                    ticket,
                    form.cleaned_data["rating"],
                    form.cleaned_data["comment"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, validation_text(exc))
            else:
                messages.success(request, _("Thank you for your rating."))
                return redirect("portal:ticket", number=number)
        return self.render_to_response(self.get_context_data(rating_form=form))


class AttachmentPortalView(PortalMixin, View):
    """A file of one of my tickets, always as a download (never rendered on our origin)."""

    def get(self, request, number, attachment_id):
        attachment = portal.my_attachment(request.user, number, attachment_id)
        response = FileResponse(
            (store_root() / attachment.stored_name).open("rb"),
            as_attachment=True,
            filename=attachment.file_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ArticlePortalSuggestView(PortalMixin, View):
    """Help articles for what is being typed as the subject (the knowledge base's hook)."""

    def get(self, request):
        text = request.GET.get("q", "").strip()[:SUGGEST_MAX_CHARS]
        found = portal.suggest_articles(text) if len(text) >= SUGGEST_MIN_CHARS else []
        session = request.session
        search_id = portal.record_suggestions(
            request.user, text, len(found), session.get(HELP_SEARCH_KEY)
        )
        if search_id:
            session[HELP_SEARCH_KEY] = search_id
        return JsonResponse({"articles": [_article(a) for a in found]})


def _article(article) -> dict:
    """An article as the page shows it: its title and where to read it."""
    if isinstance(article, dict):
        return {"title": str(article.get("title", "")), "url": str(article.get("url", ""))}
    return {"title": str(getattr(article, "title", article)), "url": getattr(article, "url", "")}
