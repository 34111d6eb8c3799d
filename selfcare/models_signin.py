"""Signing in without a password: one-time codes by SMS and reset links by e-mail."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    """One ask for a sign-in code, a password-reset code or a password-reset link.

    A row is written for every ask, whether or not the number or address is a customer's (then
    `customer` is empty and the code is a random one nobody was sent): the rate limits count rows
    per login and per address, and checking a code behaves the same either way, so neither
    reveals who is a customer. Only a keyed hash of the code is kept (none for a link, whose
    token is Django's own)."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in code")
        RESET = "reset", _("Password reset code")
        RESET_LINK = "reset_link", _("Password reset link")

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    # The number (E.164 digits) or the e-mail address (lower case) it was asked for.
    login = models.CharField(max_length=254)
    customer = models.ForeignKey(
        "selfcare.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signin_codes",
    )
    code_hash = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["login", "purpose", "created_at"], name="signin_code_login_idx"),
            models.Index(fields=["ip_address", "created_at"], name="signin_code_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.login}"
