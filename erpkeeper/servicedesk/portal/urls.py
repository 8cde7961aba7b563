"""The portal's routes, mounted at /portal/ (namespace ``portal``)."""

from django.urls import path

from erpkeeper.servicedesk.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.TicketPortalListView.as_view(), name="tickets"),
    path("login/", views.UserPortalLoginView.as_view(), name="login"),
    path("logout/", views.UserPortalLogoutView.as_view(), name="logout"),
    path("signup/", views.UserPortalSignupView.as_view(), name="signup"),
    path(
        "signup/<str:token>/",
        views.UserPortalSignupConfirmView.as_view(),
        name="signup-confirm",
    ),
    path("password/", views.UserPortalPasswordView.as_view(), name="password"),
    path("tickets/new/", views.TicketPortalCreateView.as_view(), name="ticket-new"),
    path("tickets/suggest/", views.ArticlePortalSuggestView.as_view(), name="suggest"),
    path("tickets/<str:number>/", views.TicketPortalDetailView.as_view(), name="ticket"),
    path(
        "tickets/<str:number>/reply/",
        views.TicketMessagePortalCreateView.as_view(),
        name="ticket-reply",
    ),
    path("tickets/<str:number>/rate/", views.TicketRatingPortalView.as_view(), name="ticket-rate"),
    path(
        "tickets/<str:number>/files/<int:attachment_id>/",
        views.AttachmentPortalView.as_view(),
        name="attachment",
    ),
]
