"""The knowledge base on the portal: search help, read an article, say whether it helped.

Portal users see published portal articles only (``services.readable_by``); the team, signed
in, sees what they may see in the console.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from erpkeeper.knowledge import markdown, services
from erpkeeper.knowledge.search import search
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.portal.views import PortalMixin

QUERY_CHARS = 200
FROM_SUGGESTION = "suggestion"


class VotePortalForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=gettext_lazy("Was this article helpful?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("What was missing? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArticlePortalSearchView(PortalMixin, TemplateView):
    template_name = "knowledge/portal/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:QUERY_CHARS]
        scope = services.search_scope(self.request.user)
        context["query"] = query
        context["hits"] = search(query, scope, limit=20) if query else []
        if query:
            services.record_search(query, len(context["hits"]))
        return context


class ArticlePortalDetailView(PortalMixin, TemplateView):
    template_name = "knowledge/portal/article.html"

    def get(self, request, *args, **kwargs):
        article = services.readable_by(request.user, kwargs["pk"])
        if request.GET.get("from") == FROM_SUGGESTION:
            services.record_suggestion_read(article, request.user)
            # The count is taken once: a reload of the page is not a second read.
            return redirect("kb-portal:article", pk=article.pk)
        services.record_view(article)
        return self.render_to_response(self.get_context_data(article=article))

    def post(self, request, *args, **kwargs):
        article = services.readable_by(request.user, kwargs["pk"])
        form = VotePortalForm(request.POST)
        if form.is_valid():
            try:
                services.vote(
                    article,
                    request.user,
                    form.cleaned_data["helpful"],
                    form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_error(None, validation_text(exc))
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("kb-portal:article", pk=article.pk)
        return self.render_to_response(self.get_context_data(article=article, vote_form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = context["article"]
        translation = article.translation
        context.update(
            body=markdown.render(article.body),
            vote_form=context.get("vote_form") or VotePortalForm(),
            translation=translation
            if translation and _readable(self.request.user, translation)
            else None,
            files=article.files.all(),
        )
        return context


def _readable(user, article) -> bool:
    return services.readable_articles(user).filter(pk=article.pk).exists()


class ArticleFilePortalView(PortalMixin, View):
    """A file of an article the user may read: images shown inline, anything else downloaded."""

    def get(self, request, pk, file_id):
        article = services.readable_by(request.user, pk)
        stored = get_object_or_404(article.files, pk=file_id)
        path = services.file_path(stored)
        if not path.exists():
            raise Http404
        inline = stored.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")
        response = FileResponse(
            path.open("rb"),
            as_attachment=not inline,
            filename=stored.file_name,
            content_type=stored.content_type if inline else "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
