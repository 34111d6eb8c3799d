"""The limits she sets on her line's out-of-bundle use (imported by `selfcare.models`, whose
models they are): stop when her allowances are used up, and a monthly spend cap in euros. The
rating applies them (`selfcare.services.usage`); `selfcare.services.limits` writes them.

A sibling of `AlertSetting`, not more columns on it: an alert setting may be per allowance and
only says when she is told, while a limit is per line and changes what the rating charges and
bars; each keeps its own history of who changed it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# The largest monthly cap one may set: above it a cap is a typing mistake, not a limit.
SPEND_CAP_MAX = Decimal("500.00")


class UsageLimit(models.Model):
    """Her line's limits: `stop_when_used_up` (no out-of-bundle use: the service is barred
    instead) and `monthly_cap` (out-of-bundle use charged up to it in a calendar month, in the
    operator's time zone, then barred until the month ends; null: no cap)."""

    line = models.OneToOneField(
        "selfcare.Line", on_delete=models.CASCADE, related_name="usage_limit"
    )
    stop_when_used_up = models.BooleanField(default=False)
    monthly_cap = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="usage_limit_cap_in_range",
                condition=Q(monthly_cap__isnull=True)
                | Q(monthly_cap__gt=0, monthly_cap__lte=SPEND_CAP_MAX),
            )
        ]

    def __str__(self) -> str:
        return f"Limits on {self.line}"


class UsageLimitChange(models.Model):
    """A row per change of her limits: what they became, and who changed them (her, or an agent
    by name)."""

    limit = models.ForeignKey(UsageLimit, on_delete=models.CASCADE, related_name="changes")
    stop_when_used_up = models.BooleanField()
    monthly_cap = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # Where it was changed: a `selfcare.models.Channel` value (portal, agent, ...).
    channel = models.CharField(max_length=10)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_agent = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.limit} changed at {self.changed_at}"
