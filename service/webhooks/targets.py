"""Where a webhook may send: an http(s) URL whose every address is on the loopback or a private
network (unless ``webhooks.allow_public``), checked when the hook is registered and again
before every delivery. The delivery connects to the address that was checked (no second name
look-up), so a name that changes its answer cannot redirect it, and it ends when its time is up
however slowly the receiver answers.

"Private" is the list in ``PRIVATE_NETWORKS``, not Python's ``is_private``, which also counts
Teredo tunnels to public IPv4 hosts (2001::/32), documentation and benchmarking ranges.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from service.errors import IntervjuError

MAX_URL = 2000
MAX_RESPONSE = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses reached through a NAT64 gateway


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked IP address connected to


def check_url(url: str) -> SplitResult:
    """``url`` split, if it is an absolute http(s) URL without credentials or fragment; else
    ``IntervjuError("webhook.bad_url")``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise IntervjuError("webhook.bad_url") from None
    if (
        len(url) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.fragment
        or not url.isascii()  # sent as ASCII: percent-encode the rest, punycode for a host
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
        or (port is not None and port == 0)
    ):
        raise IntervjuError("webhook.bad_url")
    return parts


def resolve(url: str, allow_public: bool) -> Target:
    """The target of ``url`` after checking every address its host name has; raises
    ``IntervjuError`` (``webhook.bad_url``, ``webhook.unresolvable``,
    ``webhook.public_address``)."""
    parts = check_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses(host, port)
    refused = [address for address in addresses if not allowed(address, allow_public)]
    if refused:
        raise IntervjuError("webhook.public_address", host=host)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def allowed(address: IPAddress, allow_public: bool) -> bool:
    """Loopback and private networks (``PRIVATE_NETWORKS``); others only if ``allow_public``.
    Never link-local (cloud metadata services live there), multicast or unspecified addresses,
    also not inside an IPv4-mapped or NAT64 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            return allow_public and allowed(embedded, allow_public)
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return False
    return allow_public or any(address in network for network in PRIVATE_NETWORKS)


def redact(url: str) -> str:
    """``url`` without query string or credentials, for logs and listings."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``target`` (no redirects followed); the response's status code.
    ``timeout`` bounds the whole exchange, not only each read: a receiver that trickles its
    answer is cut off. Raises ``OSError`` (refused, timed out, cut off, TLS) or
    ``http.client.HTTPException``."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPS(target, timeout)
    else:
        connection = _PinnedHTTP(target, timeout)
    deadline = threading.Timer(timeout, _cut_off, args=(connection,))
    deadline.daemon = True
    deadline.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE)
        return response.status
    finally:
        deadline.cancel()
        connection.close()


def _cut_off(connection: http.client.HTTPConnection) -> None:
    """Shut the connection's socket down: a read blocked on it returns at once."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: the delivery is over
            sock.shutdown(socket.SHUT_RDWR)


def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise IntervjuError("webhook.unresolvable", host=host) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise IntervjuError("webhook.unresolvable", host=host)
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # the handshake runs with the TLS socket in place, where the deadline can cut it off
        self.sock = self._tls.wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock.do_handshake()
