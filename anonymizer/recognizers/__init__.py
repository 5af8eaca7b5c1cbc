"""Norwegian Presidio recognizers, one module per entity, all for language ``nb``."""

from __future__ import annotations

# --- Pattern recognizers: fødselsnummer, telephone, e-mail, address, dates and ages ---
from anonymizer.recognizers.address import AddressRecognizer
from anonymizer.recognizers.dates import AgeRecognizer, DateRecognizer
from anonymizer.recognizers.email import EmailRecognizer
from anonymizer.recognizers.fodselsnummer import FodselsnummerRecognizer
from anonymizer.recognizers.phone import PhoneRecognizer

PATTERN_RECOGNIZERS = (
    FodselsnummerRecognizer,
    PhoneRecognizer,
    EmailRecognizer,
    AddressRecognizer,
    DateRecognizer,
    AgeRecognizer,
)
"""Classes of the rule-based recognizers; each takes no required arguments."""
# --- end of pattern recognizers ---

__all__ = [
    "PATTERN_RECOGNIZERS",
    "AddressRecognizer",
    "AgeRecognizer",
    "DateRecognizer",
    "EmailRecognizer",
    "FodselsnummerRecognizer",
    "PhoneRecognizer",
]
