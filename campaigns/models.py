"""Campaigns and gifts. A campaign here is a promotion sent by hand; triggers, segments and
deliveries arrive with the automated campaigns.

A gift's status only changes through its transitions, called by `campaigns.services` on a locked
row, which also write its status history."""

from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import Offer
from orders.models import ProductInstance
from selfcare.models import Customer, Line


class Campaign(models.Model):
    """A promotion of one offer: a message with a tracked link to the offer in the portal."""

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=60, unique=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="campaigns")
    message = models.CharField(
        max_length=300,
        help_text="The SMS text; the link to the offer is added at the end. {name} is replaced "
        "by the customer's first name.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Gift(FSMModelMixin, models.Model):
    """Data one customer gives to another's line. The giver's own product (her share, started
    when the friend's activates or when the gift comes back) waits `scheduled` meanwhile."""

    class Status(models.TextChoices):
        SENT = "sent", "Waiting for your friend"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Not accepted: back to you"

    giver = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="gifts_given")
    giver_product = models.OneToOneField(
        ProductInstance, on_delete=models.PROTECT, related_name="gift_given"
    )
    recipient_line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="gifts")
    recipient_product = models.OneToOneField(
        ProductInstance,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gift_received",
    )
    status = FSMField(max_length=10, choices=Status.choices, default=Status.SENT, protected=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Gift from {self.giver} to {self.recipient_line}"

    @transition(field=status, source=Status.SENT, target=Status.ACCEPTED)
    def accept(self, *, recipient_product: ProductInstance, at) -> None:
        self.recipient_product = recipient_product
        self.settled_at = at

    @transition(field=status, source=Status.SENT, target=Status.RETURNED)
    def give_back(self, *, at) -> None:
        self.settled_at = at


class GiftStatusChange(models.Model):
    """A row per status a gift went through, the first one (from nothing to `sent`) included."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=Gift.Status.choices)
    note = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
