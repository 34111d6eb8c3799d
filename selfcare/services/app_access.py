"""A customer takes back what she let an app do: every token it holds for her ends at once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)


class AppAccessNotFoundError(Exception):
    """She holds no working token of this app (none ever, another's app, or revoked already)."""


@transaction.atomic
def app_access_revoke(*, user, application_id: int, at=None) -> str:
    """End the access of app `application_id` to `user`'s account, and return its name: its
    refresh tokens are revoked (kept, marked, so that a replay of one still revokes its family),
    its access tokens and the authorization codes not yet traded are deleted, so a call with any
    of them is refused from now on (401). Only `user`'s own tokens are touched; the app itself
    and other people's tokens stay.

    Locks her live refresh tokens of the app first: a renewal in flight (which holds its refresh
    token's lock while it swaps it for a new pair) is waited for, and what it made is revoked
    too; without the lock, the update below would skip the old token and not see the new one.

    Raises AppAccessNotFoundError, with nothing changed, when she holds no access token and no
    live refresh token of that app."""
    now = at or timezone.now()
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    refresh = RefreshToken.objects.filter(
        user=user, application_id=application_id, revoked__isnull=True
    )
    # Its own statement: the statements after it see what a renewal it waited for committed.
    list(refresh.select_for_update().values_list("pk", flat=True))
    access = AccessToken.objects.filter(user=user, application_id=application_id)
    names = list(access.values_list("application__name", flat=True)[:1]) or list(
        refresh.values_list("application__name", flat=True)[:1]
    )
    if not names:
        raise AppAccessNotFoundError(f"No access of app {application_id} to revoke.")
    # The order of django-oauth-toolkit's own revoke: the refresh tokens, then the access tokens.
    refresh.update(revoked=now, updated=now, access_token=None)
    access.delete()
    get_grant_model().objects.filter(user=user, application_id=application_id).delete()
    return names[0]
