"""Signing in: with her mobile number (any spelling) or e-mail and a password, or with a code
sent by SMS; "Forgot password?" by a code to her phone or a link to her e-mail; and the page a
locked-out sign-in gets. Every page is a plain form post and redirect: no JavaScript needed.

Codes and passwords are checked through `authenticate()`, so django-axes counts every wrong one
and refuses a locked-out login (its middleware shows `locked_out`)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django.views.generic import FormView

from selfcare.auth import client_ip
from selfcare.languages import SESSION_KEY as LANGUAGE_SESSION_KEY
from selfcare.models import Channel, Interaction, SignInCode
from selfcare.said import Said, said
from selfcare.selectors import customer_get_for_user, login_is_email, user_is_agent
from selfcare.services import interaction_record
from selfcare.services.languages import customer_language_choose
from selfcare.services.signin import (
    SignInCodeError,
    password_reset_link_send,
    password_set,
    signin_code_send,
)

from ..auth_forms import (
    CodeRequestForm,
    CodeSignInForm,
    LoginForm,
    PasswordForgotForm,
    PasswordResetCodeForm,
)

# The number a code was asked for, kept for the page where she types it (not in the URL).
SIGNIN_NUMBER_KEY = "signin_code_number"
RESET_NUMBER_KEY = "reset_code_number"
SENT_TO_NUMBER = _("If this number is ours, a code is on its way by SMS.")
WRONG_CODE = _("That code is not right, or it is no longer valid: check it, or ask for a new one.")


def _login_record(request, *, user, summary: Said) -> None:
    """Her sign-in in her history, and her language for the session: hers, or on her first
    sign-in her browser's, recorded as hers (staff keep their browser's)."""
    customer = customer_get_for_user(user=user)
    request.session[LANGUAGE_SESSION_KEY] = (
        customer_language_choose(customer=customer, request=request) if customer else ""
    )
    if customer is not None:
        interaction_record(
            customer=customer,
            kind=Interaction.Kind.LOGIN,
            channel=Channel.PORTAL,
            actor=Interaction.Actor.CUSTOMER,
            actor_user=user,
            summary=summary,
        )


def _next_url(request) -> str:
    """Where to go after signing in: `next` if it is ours, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class PortalLoginView(LoginView):
    form_class = LoginForm

    def get_default_redirect_url(self):
        """Staff land in their own tools: agents in the console, product managers in the admin."""
        user = self.request.user
        if user.is_staff:
            return reverse("admin:index")
        if user_is_agent(user=user):
            return reverse("backoffice:console")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        _login_record(
            self.request,
            user=form.get_user(),
            summary=said(gettext_noop("Logged in to the self-care portal")),
        )
        return response


class SignInCodeRequestView(FormView):
    """The "Send me a code" page: a code by SMS to the number typed, if it is a customer's home
    line."""

    template_name = "selfcare/auth/code_request.html"
    form_class = CodeRequestForm

    def form_valid(self, form):
        try:
            msisdn = signin_code_send(
                login=form.cleaned_data["number"],
                purpose=SignInCode.Purpose.SIGN_IN,
                ip_address=client_ip(self.request),
            )
        except SignInCodeError as error:
            form.add_error("number", str(error))
            return self.form_invalid(form)
        self.request.session[SIGNIN_NUMBER_KEY] = msisdn
        messages.info(self.request, SENT_TO_NUMBER)
        target = reverse("signin_code_enter")
        next_url = _next_url(self.request)
        # Encoded, so a `next` with its own query (`/topup/?amount=3.50&x=1`) arrives whole.
        return redirect(
            f"{target}?{urlencode({'next': next_url}, safe='/')}" if next_url else target
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)


class SignInCodeEnterView(FormView):
    """She types the code she was sent, and is signed in."""

    template_name = "selfcare/auth/code_enter.html"
    form_class = CodeSignInForm

    def get_initial(self):
        return {"number": self.request.session.get(SIGNIN_NUMBER_KEY, "")}

    def form_valid(self, form):
        user = authenticate(
            self.request,
            msisdn=form.cleaned_data["number"],
            code=form.cleaned_data["code"],
            purpose=SignInCode.Purpose.SIGN_IN,
        )
        if user is None:
            form.add_error("code", WRONG_CODE)
            return self.form_invalid(form)
        auth_login(self.request, user)
        self.request.session.pop(SIGNIN_NUMBER_KEY, None)
        _login_record(
            self.request,
            user=user,
            summary=said(gettext_noop("Logged in to the self-care portal with a code by SMS")),
        )
        return redirect(_next_url(self.request) or settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)


class PasswordForgotView(FormView):
    """The "Forgot password?" page: a number gets a code by SMS, an e-mail address a link. The
    page after says the same whoever the number or address is."""

    template_name = "selfcare/auth/password_forgot.html"
    form_class = PasswordForgotForm

    def form_valid(self, form):
        login = form.cleaned_data["login"].strip()
        try:
            if login_is_email(login):
                password_reset_link_send(email=login, ip_address=client_ip(self.request))
                return redirect("password_reset_done")
            msisdn = signin_code_send(
                login=login, purpose=SignInCode.Purpose.RESET, ip_address=client_ip(self.request)
            )
        except SignInCodeError as error:
            form.add_error("login", str(error))
            return self.form_invalid(form)
        self.request.session[RESET_NUMBER_KEY] = msisdn
        messages.info(self.request, SENT_TO_NUMBER)
        return redirect("password_reset_code")


class PasswordResetCodeView(FormView):
    """The code from her phone and a new password."""

    template_name = "selfcare/auth/password_reset_code.html"
    form_class = PasswordResetCodeForm

    def get_initial(self):
        return {"number": self.request.session.get(RESET_NUMBER_KEY, "")}

    def form_valid(self, form):
        user = authenticate(
            self.request,
            msisdn=form.cleaned_data["number"],
            code=form.cleaned_data["code"],
            purpose=SignInCode.Purpose.RESET,
        )
        if user is None:
            form.add_error("code", WRONG_CODE)
            return self.form_invalid(form)
        password_set(user=user, password=form.cleaned_data["new_password1"])
        self.request.session.pop(RESET_NUMBER_KEY, None)
        messages.success(self.request, _("Your password is changed: sign in with it."))
        return redirect("login")


def locked_out(request, response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE), for every sign-in: portal, console,
    admin, and codes."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "selfcare/auth/locked_out.html", {"minutes": minutes}, status=429)
