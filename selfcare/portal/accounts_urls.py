"""Signing in and out, codes by SMS, and passwords: every page in the portal's own look. The
admin keeps its own sign-in page (/admin/login/); the console's agents sign in here."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views.auth import (
    PasswordForgotView,
    PasswordResetCodeView,
    PortalLoginView,
    SignInCodeEnterView,
    SignInCodeRequestView,
)

urlpatterns = [
    path("login/", PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("code/", SignInCodeRequestView.as_view(), name="signin_code"),
    path("code/enter/", SignInCodeEnterView.as_view(), name="signin_code_enter"),
    path("password_reset/", PasswordForgotView.as_view(), name="password_reset"),
    path("password_reset/code/", PasswordResetCodeView.as_view(), name="password_reset_code"),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="selfcare/auth/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="selfcare/auth/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="selfcare/auth/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(
            template_name="selfcare/auth/password_change.html",
            success_url=reverse_lazy("password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="selfcare/auth/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
