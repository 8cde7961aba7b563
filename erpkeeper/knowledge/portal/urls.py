"""The knowledge base's portal pages, mounted at /portal/help/ (namespace ``kb-portal``)."""

from django.urls import path

from erpkeeper.knowledge.portal import training, views

app_name = "kb-portal"

urlpatterns = [
    path("", views.ArticlePortalSearchView.as_view(), name="search"),
    path("<int:pk>/", views.ArticlePortalDetailView.as_view(), name="article"),
    path("<int:pk>/files/<int:file_id>/", views.ArticleFilePortalView.as_view(), name="file"),
    path("training/", training.TrainingPortalListView.as_view(), name="training"),
    path("training/<int:pk>/", training.CoursePortalView.as_view(), name="course"),
    path(
        "training/<int:pk>/certificate/",
        training.CertificatePortalView.as_view(),
        name="certificate",
    ),
]
