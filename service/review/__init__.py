"""The researcher's review of an anonymised transcript, as pure operations.

Each operation takes a transcript and ``originals`` (``originals[i]`` is what redaction ``i``
replaced, kept apart from the transcript by the job store; ``None`` once verification deleted
them) and returns both, changed:

- ``accept_redaction``: the researcher has looked at a tag and keeps it;
- ``reject_redaction``: the tag was wrong; what was said is put back;
- ``add_redaction``: a name the anonymiser missed is replaced by a tag;
- ``edit_text``: a segment's text is corrected; its words are re-aligned, its tags must stay.

Renaming speakers is ``service.jobs.speakers.relabel_speakers``. Errors the researcher can act
on are ``IntervjuError`` with ``review.*`` keys; their parameters never hold transcript text.
"""

from service.review.redactions import accept_redaction, add_redaction, reject_redaction
from service.review.tags import Originals
from service.review.text import edit_text

__all__ = [
    "Originals",
    "accept_redaction",
    "add_redaction",
    "edit_text",
    "reject_redaction",
]
