"""The network provisioning interface, and the simulated network used until a real one is wired.

An adapter must be idempotent by product instance id: activating something already active on the
network (a redelivered task) succeeds without doing it twice.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from selfcare.said import said


class NetworkError(Exception):
    """The network refused the request for good: retrying will not help."""


class NetworkTransientError(Exception):
    """The network did not answer this time: retry later."""


@dataclass(frozen=True)
class ProvisioningRequest:
    product_instance_id: int
    msisdn: str
    offer_code: str
    iccid: str = ""  # the SIM card a temporary line is activated on


class NetworkAdapter(Protocol):
    def activate(self, request: ProvisioningRequest) -> None: ...

    def deactivate(self, request: ProvisioningRequest) -> None: ...

    # Stop, or allow again, a service ("data", "voice", "sms") on a line; idempotent by
    # (msisdn, service): barring what is barred succeeds.
    def bar(self, *, msisdn: str, service: str) -> None: ...

    def lift_bar(self, *, msisdn: str, service: str) -> None: ...


class SimulatedNetworkAdapter:
    """Answers after `NETWORK_SIMULATED_LATENCY_MS`, failing transiently at
    `NETWORK_SIMULATED_FAILURE_RATE` (0 never, 1 always)."""

    def __init__(self, *, latency_ms: int | None = None, failure_rate: float | None = None):
        self.latency_ms = (
            settings.NETWORK_SIMULATED_LATENCY_MS if latency_ms is None else latency_ms
        )
        self.failure_rate = (
            settings.NETWORK_SIMULATED_FAILURE_RATE if failure_rate is None else failure_rate
        )

    def _answer(self, msgid: str, **facts) -> None:
        """On a failure the error says `msgid` with `facts`, a Said: a product's failure reason,
        read in her language."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        if self.failure_rate and random.random() < self.failure_rate:  # noqa: S311 (a simulation)
            raise NetworkTransientError(said(msgid, **facts))

    def activate(self, request: ProvisioningRequest) -> None:
        self._answer(gettext_noop("The network did not confirm the activation in time."))

    def deactivate(self, request: ProvisioningRequest) -> None:
        self._answer(gettext_noop("The network did not confirm the deactivation in time."))

    def bar(self, *, msisdn: str, service: str) -> None:
        self._answer(
            gettext_noop("The network did not confirm the bar on %(service)s in time."),
            service=service,
        )

    def lift_bar(self, *, msisdn: str, service: str) -> None:
        self._answer(
            gettext_noop(
                "The network did not confirm the lifting of the bar on %(service)s in time."
            ),
            service=service,
        )


def network_adapter() -> NetworkAdapter:
    return import_string(settings.NETWORK_ADAPTER)()
