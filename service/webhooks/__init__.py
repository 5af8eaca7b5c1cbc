"""Webhooks: job events POSTed, signed, to URLs users register (loopback and private networks
only, unless allowed otherwise)."""

from service.webhooks.dispatcher import Dispatcher, delivery_body
from service.webhooks.signing import signature, verify
from service.webhooks.store import WebhookRecord, WebhookStore

__all__ = ["Dispatcher", "WebhookRecord", "WebhookStore", "delivery_body", "signature", "verify"]
