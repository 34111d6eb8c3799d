"""Signing in without a password: a one-time code by SMS to her home line, for signing in or for
setting a new password, and a password-reset link by e-mail.

Nothing here says whether a number or an address is a customer's: every ask writes a
`SignInCode` row (with a random code nobody was sent when it is nobody's), the rate limits count
those rows, and checking a code runs the same steps either way. A code is 6 digits, valid for
5 minutes, single use, replaced by the next one asked for, and locked after 5 wrong tries; only
a keyed hash of it is stored, compared in constant time. Wrong codes are also wrong sign-ins for
the lockout (django-axes), because they are checked through `authenticate()`
(`selfcare.auth.SignInCodeBackend`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from ..models import Customer, Line, Notification, SignInCode
from ..phones import msisdn_normalise
from ..selectors import customer_get_by_email, customer_get_by_msisdn, line_get_home
from .messages import notification_send

CODE_VALID_FOR = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RATE_WINDOW = dt.timedelta(hours=1)
# Codes and links asked for one number or address, and from one client address, in an hour.
MAX_PER_LOGIN = 3
MAX_PER_ADDRESS = 10

_CODE_TEMPLATES = {
    SignInCode.Purpose.SIGN_IN: "signin_code",
    SignInCode.Purpose.RESET: "password_reset_code",
}


class SignInCodeError(Exception):
    """The ask is refused, with what to do instead: not a number, or too many asks."""


def _hash(*, purpose: str, login: str, code: str) -> str:
    return salted_hmac(
        f"selfcare.signin-code.{purpose}", f"{login}:{code}", algorithm="sha256"
    ).hexdigest()


def _rate_limit_check(*, login: str, ip_address: str | None, at: dt.datetime) -> None:
    since = at - RATE_WINDOW
    asked = SignInCode.objects.filter(created_at__gt=since)
    if asked.filter(login=login).count() >= MAX_PER_LOGIN:
        raise SignInCodeError(
            gettext(
                "Too many codes were asked for in the last hour: try again later, or sign in "
                "with your password."
            )
        )
    if ip_address and asked.filter(ip_address=ip_address).count() >= MAX_PER_ADDRESS:
        raise SignInCodeError(
            gettext(
                "Too many codes were asked for from this connection in the last hour: try again "
                "later."
            )
        )


def _can_receive_sms(customer: Customer | None) -> bool:
    if customer is None or not customer.user.is_active:
        return False
    line = line_get_home(customer=customer)
    return line is not None and line.status == Line.Status.ACTIVE


def signin_code_send(
    *, login: str, purpose: str, ip_address: str | None, at: dt.datetime | None = None
) -> str:
    """Text a new code for `purpose` (sign in, or reset her password) to the customer whose home
    line `login` names, if there is one and her line is active; replace any earlier code for that
    number. Returns the number as lines keep it (E.164 digits).

    One transaction: the row and the message (queued, sent after commit) or neither. Raises
    SignInCodeError for what is not a mobile number and past the rate limits (MAX_PER_LOGIN for
    the number, MAX_PER_ADDRESS for the client's address, an hour each), whether or not the
    number is a customer's."""
    if purpose not in _CODE_TEMPLATES:
        raise ValueError(f"Not a code's purpose: {purpose}")
    at = at or timezone.now()
    msisdn = msisdn_normalise(login)
    if msisdn is None:
        raise SignInCodeError(gettext("Type your mobile number, e.g. 912 345 678."))
    with transaction.atomic():
        _rate_limit_check(login=msisdn, ip_address=ip_address, at=at)
        customer = customer_get_by_msisdn(msisdn=msisdn)
        if not _can_receive_sms(customer):
            customer = None
        SignInCode.objects.filter(login=msisdn, purpose=purpose, used_at__isnull=True).update(
            used_at=at
        )
        code = f"{secrets.randbelow(10**6):06d}"
        SignInCode.objects.create(
            purpose=purpose,
            login=msisdn,
            customer=customer,
            code_hash=_hash(purpose=purpose, login=msisdn, code=code),
            ip_address=ip_address,
            created_at=at,
            expires_at=at + CODE_VALID_FOR,
        )
        if customer is not None:
            notification_send(
                customer=customer,
                template=_CODE_TEMPLATES[purpose],
                medium=Notification.Medium.SMS,
                context={
                    "code": code,
                    "valid_minutes": int(CODE_VALID_FOR.total_seconds() // 60),
                },
            )
    return msisdn


def signin_code_check(
    *, login: str, code: str, purpose: str, at: dt.datetime | None = None
) -> Customer | None:
    """The customer the latest code for `login` and `purpose` was sent to, if `code` is it, still
    valid and not yet used (it is then used up); None otherwise. A wrong code counts against the
    code's tries (committed: this returns, never raises), and after MAX_ATTEMPTS the code is
    locked. Locks the code's row, so two tries at once cannot both use it."""
    at = at or timezone.now()
    msisdn = msisdn_normalise(login or "")
    code = (code or "").strip()
    if msisdn is None or not code:
        return None
    with transaction.atomic():
        record = (
            SignInCode.objects.select_for_update()
            .filter(login=msisdn, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if record is None or record.expires_at <= at or record.attempts >= MAX_ATTEMPTS:
            return None
        if not hmac.compare_digest(
            record.code_hash, _hash(purpose=purpose, login=msisdn, code=code)
        ):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            return None
        record.used_at = at
        record.save(update_fields=["used_at"])
        if record.customer_id is None:
            return None
        return Customer.objects.select_related("user").get(pk=record.customer_id)


def password_reset_link_send(
    *, email: str, ip_address: str | None, at: dt.datetime | None = None
) -> None:
    """E-mail a link to set a new password (Django's token: valid PASSWORD_RESET_TIMEOUT seconds,
    dead once the password changes or she signs in) to the one customer with this address, if
    there is one. The same rate limits as codes, whoever the address is; raises SignInCodeError
    past them. One transaction: the row and the queued e-mail, or neither."""
    at = at or timezone.now()
    login = email.strip().lower()
    with transaction.atomic():
        _rate_limit_check(login=login, ip_address=ip_address, at=at)
        customer = customer_get_by_email(email=login)
        if customer is not None and not customer.user.is_active:
            customer = None
        SignInCode.objects.create(
            purpose=SignInCode.Purpose.RESET_LINK,
            login=login,
            customer=customer,
            ip_address=ip_address,
            created_at=at,
            expires_at=at + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        )
        if customer is None:
            return
        user = customer.user
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        notification_send(
            customer=customer,
            template="password_reset_link",
            medium=Notification.Medium.EMAIL,
            context={
                "reset_url": f"{settings.PORTAL_URL.rstrip('/')}{path}",
                "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )


def password_set(*, user, password: str) -> None:
    """Give `user` a new password (already validated by the form) and end every code still
    waiting for her: her other sessions end with it (Django's session hash)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        SignInCode.objects.filter(customer__user=user, used_at__isnull=True).update(
            used_at=timezone.now()
        )
