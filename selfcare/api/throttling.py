"""Rate limits of the API (DRF throttles), counted in the default cache: per system client, and
per customer whether she calls from the portal's session or from her apps. The rates are the
setting API_RATE_LIMITS, read at each request."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import SystemClient


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        return settings.API_RATE_LIMITS[self.scope]

    def __init__(self):
        # SimpleRateThrottle reads its rate once, at creation; a request makes a new one.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)


class SystemClientRateThrottle(_SettingsRateThrottle):
    scope = "system"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, SystemClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.client.pk}


class CustomerRateThrottle(_SettingsRateThrottle):
    scope = "customer"

    def get_cache_key(self, request, view) -> str | None:
        user = request.user
        if user is None or isinstance(user, SystemClient) or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
