"""Where the hub may send: only to the hosts the operator lists in TMF_HUB_ALLOWED_HOSTS, checked at
registration and again before every delivery (a list changed since is obeyed at once).

A listed name is resolved once per delivery and the request goes to the address checked (no
second look-up a DNS answer could change in between). A name that resolves to an address that is
not public (loopback, private, link-local, shared, reserved, multicast) is refused unless that
address itself is listed too: a public name pointed at the operator's own network reaches
nothing inside it. An address literal that is listed is used as it is (the demo's and the tests'
127.0.0.1)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = {"http": 80, "https": 443}


class CallbackRefusedError(Exception):
    """A callback the hub may not call; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL's scheme, host, port and path, and the address checked."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allowed() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.TMF_HUB_ALLOWED_HOSTS if host}


def callback_check(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and path (with its query) of `url` if its host is allowed.
    Raises CallbackRefusedError otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CallbackRefusedError("The callback is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise CallbackRefusedError("The callback must be an http or https URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise CallbackRefusedError("The callback may not carry a user name or password.")
    host = parts.hostname.lower()
    if host not in _allowed():
        raise CallbackRefusedError(
            f"The operator does not allow callbacks to {host} (TMF_HUB_ALLOWED_HOSTS)."
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or SCHEMES[scheme], path


def _ip(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def callback_target(url: str) -> Target:
    """`callback_check`, then the address to connect to (see the module). Raises
    CallbackRefusedError for a host no longer allowed, one that does not resolve, or one that
    resolves to an address that is not public and not itself listed."""
    scheme, host, port, path = callback_check(url)
    allowed = _allowed()
    if _ip(host) is not None:
        return Target(scheme, host, port, path, host)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise CallbackRefusedError(f"{host} does not resolve: {exc}") from exc
    for *_, sockaddr in found:
        address = sockaddr[0]
        ip = _ip(address.split("%", 1)[0])
        if ip is not None and (ip.is_global or str(ip) in allowed):
            return Target(scheme, host, port, path, str(ip))
    raise CallbackRefusedError(
        f"{host} resolves only to addresses that are not public and not allowed."
    )
