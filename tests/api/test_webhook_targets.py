"""Where a webhook may connect, and for how long: the address rules (private networks only by
default, as the README lists them), URLs a delivery cannot send to, and a receiver that answers
too slowly."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from service.errors import IntervjuError
from service.webhooks.targets import allowed, check_url, post, resolve

PRIVATE = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.20",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:10.1.2.3",
    "::ffff:127.0.0.1",
]
# Not loopback or a private network, though Python's ``is_private`` says so for some: Teredo
# (2001::/32 tunnels to public IPv4 hosts), IETF protocol assignments, documentation and
# benchmarking ranges, "this network" 0/8, reserved 240/4, IPv4-compatible IPv6.
NOT_PRIVATE = [
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:2::1",
    "2001:db8::1",
    "100::1",
    "198.18.0.1",
    "192.0.2.1",
    "192.0.0.1",
    "240.0.0.1",
    "0.1.2.3",
    "::127.0.0.1",
    "64:ff9b::a00:1",
    "100.64.0.1",
    "8.8.8.8",
]
NEVER = [
    "169.254.169.254",
    "fe80::1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",
    "::",
]


@pytest.mark.parametrize("address", PRIVATE)
def test_loopback_and_private_networks_are_allowed(address: str) -> None:
    assert allowed(ipaddress.ip_address(address), allow_public=False)


@pytest.mark.parametrize("address", NOT_PRIVATE)
def test_only_the_listed_private_networks_count_as_private(address: str) -> None:
    assert not allowed(ipaddress.ip_address(address), allow_public=False)


@pytest.mark.parametrize("address", NEVER)
def test_link_local_multicast_and_unspecified_never(address: str) -> None:
    assert not allowed(ipaddress.ip_address(address), allow_public=True)


def test_public_addresses_when_allowed() -> None:
    for address in ("8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"):
        assert allowed(ipaddress.ip_address(address), allow_public=True), address


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/ø", "http://127.0.0.1/hook?navn=Åse", "http://bücher.lan/"]
)
def test_a_url_a_delivery_cannot_send_is_refused(url: str) -> None:
    """http.client sends the request line as ASCII: a URL with other characters would fail at
    every delivery (percent-encode it, or give the host in punycode)."""
    with pytest.raises(IntervjuError) as refused:
        check_url(url)
    assert refused.value.key == "webhook.bad_url"


def test_other_numeric_forms_of_an_address_are_checked_as_that_address() -> None:
    assert resolve("http://2130706433:9/h", allow_public=False).address == "127.0.0.1"
    with pytest.raises(IntervjuError):
        resolve("http://134744072/h", allow_public=False)  # 8.8.8.8


@pytest.fixture
def dripping() -> Iterator[int]:
    """A receiver that answers one byte every 0.2 s, forever: each read is quick, the whole
    answer never comes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if stop.wait(0.2):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        server.close()
        thread.join(5)


def test_a_slow_receiver_is_cut_off_after_the_timeout_in_all(dripping: int) -> None:
    """The timeout bounds the whole delivery, not each read: one slow receiver must not hold
    the dispatcher (and every other user's webhooks) for hours."""
    target = resolve(f"http://127.0.0.1:{dripping}/hook", allow_public=False)
    outcome: list[object] = []

    def deliver() -> None:
        try:
            outcome.append(post(target, b"{}", {"Content-Type": "application/json"}, 1.0))
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    thread.join(6)
    assert not thread.is_alive(), "the delivery was still running after 6 s (timeout 1 s)"
    assert time.monotonic() - started < 3
    assert len(outcome) == 1 and isinstance(outcome[0], OSError | http.client.HTTPException)
