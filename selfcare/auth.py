"""Signing in the way telecom customers do: by her mobile number in any spelling, her e-mail
address, or (staff) a username, with a password or a one-time code sent by SMS.

`customer_get_by_login` (selfcare/selectors.py) is the one rule for which customer a login
names: the two authentication backends, the brute-force lockout's key (`login_key`, django-axes'
`AXES_USERNAME_CALLABLE`) and the code and reset services all use it.

A number signs in as the customer whose *home line* it is (`line_get_home`): her own number,
active or suspended, never a Travel Line (a temporary number she holds for a while, which may be
someone else's after it ends) and never a terminated one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend

from .phones import msisdn_looks_typed, msisdn_normalise
from .selectors import customer_get_by_login, login_is_email
from .services.signin import signin_code_check


class _UserBackend(BaseBackend):
    """Finds the signed-in user again from her session; permissions are ModelBackend's."""

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)

    def _usable(self, user):
        return user if user is not None and user.is_active else None


class PhoneOrEmailBackend(_UserBackend):
    """Her mobile number (any spelling) or e-mail address, and her password. Usernames are left
    to Django's ModelBackend, after this one in AUTHENTICATION_BACKENDS."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        if not (login_is_email(username) or msisdn_looks_typed(username)):
            return None
        customer = customer_get_by_login(login=username)
        if customer is None:
            # The same hashing work as a real check, so timing does not say who is a customer.
            get_user_model()().set_password(password)
            return None
        user = customer.user
        return self._usable(user) if user.check_password(password) else None


class SignInCodeBackend(_UserBackend):
    """A one-time code sent by SMS to her home line (`signin_code_send`), in place of a
    password; `purpose` is a sign-in code or a password-reset code."""

    def authenticate(self, request, msisdn=None, code=None, purpose=None, **kwargs):
        if msisdn is None or code is None or purpose is None:
            return None
        customer = signin_code_check(login=msisdn, code=code, purpose=purpose)
        return self._usable(customer.user) if customer is not None else None


def login_key(request, credentials: dict | None) -> str | None:
    """What django-axes counts wrong tries against: the account a login names, however it was
    spelt (`+351 91…`, `91…`, her e-mail and her username are one account), else the login as
    typed, normalised."""
    credentials = credentials or {}
    login = credentials.get("username") or credentials.get("msisdn")
    if login is None and request is not None:
        data = getattr(request, "POST", {})
        login = data.get("username") or data.get("msisdn")
    login = (login or "").strip()
    if not login:
        return None
    if login_is_email(login) or msisdn_looks_typed(login):
        customer = customer_get_by_login(login=login)
        if customer is not None:
            return customer.user.get_username()
        return login.lower() if login_is_email(login) else (msisdn_normalise(login) or login)
    return login


def client_ip(request) -> str | None:
    """The client's address for the lockout and the code rate limits: `CLIENT_IP_HEADER` (set by
    the proxy in front, e.g. HTTP_X_REAL_IP) when configured, else the connection's. Behind a
    proxy without the header every customer would share the proxy's address."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        # X-Forwarded-For: the right-most entry is the one our proxy added (a client can send
        # any entries before it).
        address = value.split(",")[-1].strip()
        if address:
            return address
    return request.META.get("REMOTE_ADDR")
