"""Keeping the consent form's promises: verify -> delete the audio, project end dates,
withdrawal, each with a receipt in the hash-chained audit log (``service.audit``)."""

from service.consent.deletion import Consent, Receipt

__all__ = ["Consent", "Receipt"]
