"""The payment gateway interface, and the simulated gateway used until a real one is wired
(`PAYMENT_GATEWAY`, like the network adapter of `orders.provisioning`).

A gateway is idempotent by key: charging the same key twice charges once and answers the first
answer again, so a double submit or a retried job never takes the money twice. When it does not
answer in time the outcome is unknown; `status(key)` asks it later what became of that charge,
which is how a pending top-up is settled (`topup_settle_pending`).

Card numbers go to the gateway and nowhere else: what the product keeps of a card is its brand,
its last 4 digits and the gateway's token for charging it again (auto top-up).

The simulated gateway's test cards (any future expiry, any 3-digit CVC):

    4242 4242 4242 4242  Visa, succeeds
    5555 5555 5555 4444  Mastercard, succeeds
    4000 0000 0000 0002  declined: "Your card was declined"
    4000 0000 0000 9995  declined: "Your card has insufficient funds"
    4000 0000 0000 0119  times out: no answer in time, and nothing charged
    4000 0000 0000 0341  succeeds, but later charges of its saved card are declined

Any other number is declined, as a test gateway does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string


class PaymentDeclinedError(Exception):
    """The gateway refused the charge, for good: its words say why."""


class PaymentTimeoutError(Exception):
    """The gateway did not answer in time: the outcome is unknown until `status` says."""


@dataclass(frozen=True)
class Card:
    """A card as typed, handed to the gateway and never stored."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)


@dataclass(frozen=True)
class ChargeRequest:
    key: str  # idempotency key: one charge per key, ever
    amount: Decimal
    currency: str
    description: str
    card: Card | None = None  # a card typed now, or
    token: str = ""  # the token of a card charged before


@dataclass(frozen=True)
class Charge:
    """A charge the gateway took."""

    reference: str
    token: str  # charges the same card again (auto top-up)
    brand: str
    last4: str


class ChargeStatus:
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    NOT_FOUND = "not_found"  # it never took a charge with that key: nothing was charged


@dataclass(frozen=True)
class StatusAnswer:
    status: str
    charge: Charge | None = None
    reason: str = ""


class PaymentGateway(Protocol):
    def charge(self, request: ChargeRequest) -> Charge:
        """Take the money, or raise PaymentDeclinedError / PaymentTimeoutError."""
        ...

    def status(self, *, key: str) -> StatusAnswer:
        """What became of the charge with `key`; raises PaymentTimeoutError if it still does not
        answer."""
        ...


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Card"


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


class SimulatedPaymentGateway:
    """Answers at once by the test card's number (the module's docstring lists them). It keeps
    what it charged under each key in Django's cache (Redis when there is one, so the web and
    the worker share it), as a real gateway keeps its own records for the status query."""

    SUCCEED = {"4242424242424242", "5555555555554444", "4000000000000341"}
    DECLINE = {
        "4000000000000002": "Your card was declined",
        "4000000000009995": "Your card has insufficient funds",
    }
    TIMEOUT = {"4000000000000119"}
    # Saved cards whose later charges are declined, by the card's last 4.
    DECLINE_SAVED = {"0341"}
    TOKEN_PREFIX = "simtok"
    KEEP_SECONDS = 7 * 24 * 3600

    def _record_key(self, key: str) -> str:
        return f"simulated-gateway:{key}"

    def charge(self, request: ChargeRequest) -> Charge:
        previous = cache.get(self._record_key(request.key))
        if previous is not None:
            return self._replay(previous)
        if request.card is not None:
            number = request.card.number
            if number in self.TIMEOUT:
                raise PaymentTimeoutError("The payment gateway did not answer in time.")
            if number not in self.SUCCEED:
                reason = self.DECLINE.get(number, "Your card was declined")
                self._keep(request.key, {"status": ChargeStatus.DECLINED, "reason": reason})
                raise PaymentDeclinedError(reason)
            last4, brand = request.card.last4, request.card.brand
            token = f"{self.TOKEN_PREFIX}_{last4}_{uuid.uuid4().hex[:16]}"
        else:
            parts = request.token.split("_")
            if len(parts) != 3 or parts[0] != self.TOKEN_PREFIX:
                raise PaymentDeclinedError("This saved card is not known to the payment gateway")
            last4, token = parts[1], request.token
            brand = "Mastercard" if last4 == "4444" else "Visa"
            if last4 in self.DECLINE_SAVED:
                reason = "Your saved card was declined"
                self._keep(request.key, {"status": ChargeStatus.DECLINED, "reason": reason})
                raise PaymentDeclinedError(reason)
        charge = Charge(f"sim_ch_{uuid.uuid4().hex[:20]}", token, brand, last4)
        self._keep(request.key, {"status": ChargeStatus.SUCCEEDED, **charge.__dict__})
        return charge

    def status(self, *, key: str) -> StatusAnswer:
        record = cache.get(self._record_key(key))
        if record is None:
            return StatusAnswer(ChargeStatus.NOT_FOUND)
        if record["status"] == ChargeStatus.DECLINED:
            return StatusAnswer(ChargeStatus.DECLINED, reason=record["reason"])
        return StatusAnswer(ChargeStatus.SUCCEEDED, charge=self._charge(record))

    def _keep(self, key: str, record: dict) -> None:
        cache.set(self._record_key(key), record, self.KEEP_SECONDS)

    def _charge(self, record: dict) -> Charge:
        return Charge(record["reference"], record["token"], record["brand"], record["last4"])

    def _replay(self, record: dict) -> Charge:
        if record["status"] == ChargeStatus.DECLINED:
            raise PaymentDeclinedError(record["reason"])
        return self._charge(record)


def payment_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
