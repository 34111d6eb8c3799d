"""Signing in, out and resetting a password: Django's views, with the portal's own sign-in page."""

from django.urls import include, path

from .views.auth import PortalLoginView

urlpatterns = [
    path("login/", PortalLoginView.as_view(), name="login"),
    path("", include("django.contrib.auth.urls")),
]
