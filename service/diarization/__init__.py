"""Who spoke when: speaker turns (``pyannote.core.Annotation``) joined with the transcript.

Backends produce the turns; this package turns them into a speaker-attributed transcript with
role labels («Intervjuer», «Informant»), whatever the backend.
"""

from service.diarization.attribute import attribute_speakers
from service.diarization.roles import label_roles

__all__ = ["attribute_speakers", "label_roles"]
