"""The knowledge base's portal pages, mounted at /portal/help/ (namespace ``kb-portal``)."""

from django.urls import path

from erpkeeper.knowledge.portal import views

app_name = "kb-portal"

urlpatterns = [
    path("", views.ArticlePortalSearchView.as_view(), name="search"),
    path("<int:pk>/", views.ArticlePortalDetailView.as_view(), name="article"),
    path("<int:pk>/files/<int:file_id>/", views.ArticleFilePortalView.as_view(), name="file"),
]
