"""Norwegian anonymiser: dialect → bokmål, then names, places, workplaces and identifiers
replaced by numbered tags, and gendered pronouns rewritten to «hun».

    >>> from anonymizer import Anonymizer
    >>> Anonymizer("nb").anonymize("Jeg ringte han Per i Bodø.").text
    'Jeg ringte [navn 1] i [kommune 1].'

Usable on its own (needs no torch); the intervju service uses it for transcripts.
"""

from anonymizer import labels
from anonymizer.edits import Edit, apply_edits
from anonymizer.engine import Anonymizer
from anonymizer.errors import ResourceMissing
from anonymizer.nlp import ModelMissing
from anonymizer.types import AnonymizationResult, Policy, Replacement, Span

__all__ = [
    "AnonymizationResult",
    "Anonymizer",
    "Edit",
    "ModelMissing",
    "Policy",
    "Replacement",
    "ResourceMissing",
    "Span",
    "apply_edits",
    "labels",
]
