"""The job lifecycle as an explicit state machine.

uploaded -> queued -> decoding -> transcribing -> diarizing -> anonymizing -> ready_for_review
-> verified -> audio_deleted, plus failed and withdrawn. ``TRANSITIONS`` is the whole machine:
every write that changes a job's status is a conditional ``UPDATE ... WHERE status IN
(allowed sources)`` built from it (``sources_of``), so an illegal transition cannot happen even
when two processes race; it simply changes no row.
"""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """Where a job is in its life, from upload to the deletion of its audio."""

    UPLOADED = "uploaded"  # the recording is stored (encrypted), not yet in the queue
    QUEUED = "queued"
    DECODING = "decoding"
    TRANSCRIBING = "transcribing"
    DIARIZING = "diarizing"
    ANONYMIZING = "anonymizing"
    READY_FOR_REVIEW = "ready_for_review"  # a transcript is stored; the researcher reviews it
    VERIFIED = "verified"  # the final transcript is stored and checked; audio not yet deleted
    AUDIO_DELETED = "audio_deleted"  # the recording is crypto-shredded; receipt in the audit log
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # purged: consent withdrawn; nothing of the job is left but a receipt


# The states in which a worker holds the job.
RUNNING = frozenset(
    {JobStatus.DECODING, JobStatus.TRANSCRIBING, JobStatus.DIARIZING, JobStatus.ANONYMIZING}
)
# A transcript exists (and may be read) in these states.
HAS_TRANSCRIPT = frozenset(
    {JobStatus.READY_FOR_REVIEW, JobStatus.VERIFIED, JobStatus.AUDIO_DELETED}
)
# The recording may still be stored in these states.
HAS_AUDIO = frozenset(
    {
        JobStatus.UPLOADED,
        JobStatus.QUEUED,
        *RUNNING,
        JobStatus.READY_FOR_REVIEW,
        JobStatus.VERIFIED,
        JobStatus.FAILED,
    }
)

_S = JobStatus
# From each state, where a job may go. A project's end date deletes the audio of a job in any
# state that still has it (-> audio_deleted); withdrawal (purge) is possible from every state
# but itself. A running job goes back to the queue on shutdown or after a crash.
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    _S.UPLOADED: frozenset({_S.QUEUED}),
    _S.QUEUED: frozenset({_S.DECODING}),
    _S.DECODING: frozenset({_S.TRANSCRIBING, _S.QUEUED, _S.FAILED}),
    _S.TRANSCRIBING: frozenset(
        {_S.DIARIZING, _S.ANONYMIZING, _S.READY_FOR_REVIEW, _S.QUEUED, _S.FAILED}
    ),
    _S.DIARIZING: frozenset({_S.ANONYMIZING, _S.READY_FOR_REVIEW, _S.QUEUED, _S.FAILED}),
    _S.ANONYMIZING: frozenset({_S.READY_FOR_REVIEW, _S.QUEUED, _S.FAILED}),
    _S.READY_FOR_REVIEW: frozenset({_S.VERIFIED}),
    _S.VERIFIED: frozenset({_S.AUDIO_DELETED}),
    _S.AUDIO_DELETED: frozenset(),
    _S.FAILED: frozenset({_S.QUEUED}),
    _S.WITHDRAWN: frozenset(),
}
for _state in HAS_AUDIO:
    TRANSITIONS[_state] |= {_S.AUDIO_DELETED}
for _state in JobStatus:
    if _state is not _S.WITHDRAWN:
        TRANSITIONS[_state] |= {_S.WITHDRAWN}
del _state


class IllegalTransition(Exception):
    """A status change the state machine does not allow (a bug, never user input)."""

    def __init__(self, source: JobStatus, target: JobStatus) -> None:
        super().__init__(f"a job cannot go from {source.value} to {target.value}")
        self.source = source
        self.target = target


def allowed(source: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[source]


def check(source: JobStatus, target: JobStatus) -> None:
    """Raise ``IllegalTransition`` unless ``source -> target`` is in the machine."""
    if not allowed(source, target):
        raise IllegalTransition(source, target)


def sources_of(target: JobStatus) -> frozenset[JobStatus]:
    """Every state from which ``target`` may be reached."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


def values(states: frozenset[JobStatus]) -> list[str]:
    """The database values of ``states`` (for ``IN`` clauses), in a stable order."""
    return sorted(state.value for state in states)
