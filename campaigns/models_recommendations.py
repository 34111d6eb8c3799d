"""The next best offer's record: each card shown to a customer, once a calendar month, and the
card a held-out customer would have been shown, so that purchases after the cards can be
compared with the holdout's (`campaigns.recommendations.next_best_offer_results`)."""

from django.db import models

from catalog.models import Offer
from selfcare.models import Customer, Line


class Recommendation(models.Model):
    """A next best offer card of one calendar month (the operator's time zone) for a customer:
    what it found, the offer it named (None when it had none to name), what that would have
    saved her a month, and whether she was held out (then she saw nothing). Unique per customer
    and month: the first card of a month is the one measured."""

    class Kind(models.TextChoices):
        SPIKE = "spike", "A one-off spike"
        MISFIT = "misfit", "A plan that does not fit"
        UNDERUSE = "underuse", "Under-use"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="recommendations")
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="+")
    # The first day of the month it was shown in.
    period = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    saving = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    holdout = models.BooleanField(default=False)
    shown_at = models.DateTimeField()

    class Meta:
        ordering = ["-shown_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period"], name="recommendation_once_a_month"
            )
        ]
        indexes = [models.Index(fields=["shown_at"], name="recommendation_shown_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for customer {self.customer_id} ({self.period:%Y-%m})"
