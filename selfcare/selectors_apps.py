"""The apps a customer let act for her (OAuth2 authorization code grants of django-oauth-toolkit):
what each may do, since when, when it last called, and until when. Read for her own page only,
by her user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, OuterRef, Subquery
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings


@dataclass(frozen=True)
class AppGrant:
    """One app she authorised and still holds a token that works (or can be renewed).

    `scopes` are scope names (the template words them); `expires_at` is when its access ends
    unless renewed, None when it holds a refresh token that does not expire (it keeps access
    until she revokes it); `last_used_at` is when one of its tokens was last used (to the
    minute: `BearerAuthentication` notes it at most once a minute) or issued."""

    application_id: int
    name: str
    scopes: tuple[str, ...]
    granted_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime | None


def app_grant_list_for_user(*, user, at: dt.datetime) -> list[AppGrant]:
    """The apps `user` authorised that can still act for her, by name: those with an access token
    not yet expired, or a refresh token not revoked. System clients (client credentials) have no
    user and never appear. Two queries, whatever she holds."""
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    family_start = (
        RefreshToken.objects.filter(token_family=OuterRef("token_family"))
        .values("token_family")
        .annotate(first=Min("created"))
        .values("first")
    )
    refresh_tokens = list(
        RefreshToken.objects.filter(user=user, revoked__isnull=True)
        .annotate(family_created=Subquery(family_start))
        .values("application_id", "application__name", "created", "updated", "family_created")
    )
    access_tokens = list(
        AccessToken.objects.filter(user=user, application__isnull=False).values(
            "application_id", "application__name", "scope", "created", "updated", "expires"
        )
    )
    lifetime = _refresh_lifetime()
    apps: dict[int, dict] = {}
    for token in refresh_tokens:
        if lifetime is not None and token["created"] + lifetime <= at:
            continue  # expired: it renews nothing any more
        app = apps.setdefault(token["application_id"], _blank(token["application__name"]))
        started = token["family_created"] or token["created"]
        app["granted"].append(min(started, token["created"]))
        app["used"].append(token["updated"])
        app["expires"].append(token["created"] + lifetime if lifetime else None)
    for token in access_tokens:
        app_id = token["application_id"]
        live = token["expires"] > at
        if app_id not in apps and not live:
            continue  # expired, and nothing to renew it with
        app = apps.setdefault(app_id, _blank(token["application__name"]))
        app["scopes"].update(token["scope"].split())
        app["used"].append(token["updated"])
        if live:
            app["granted"].append(token["created"])
            app["expires"].append(token["expires"])
    grants = [
        AppGrant(
            application_id=app_id,
            name=app["name"],
            scopes=tuple(sorted(app["scopes"])),
            granted_at=min(app["granted"]),
            last_used_at=max(app["used"]),
            expires_at=None if None in app["expires"] else max(app["expires"]),
        )
        for app_id, app in apps.items()
    ]
    return sorted(grants, key=lambda grant: (grant.name.casefold(), grant.application_id))


def _blank(name: str) -> dict:
    return {"name": name, "scopes": set(), "granted": [], "used": [], "expires": []}


def _refresh_lifetime() -> dt.timedelta | None:
    seconds = oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    if seconds is None:
        return None
    return seconds if isinstance(seconds, dt.timedelta) else dt.timedelta(seconds=seconds)
