"""The job lifecycle: the machine's shape, and that the store cannot break it (hypothesis)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from service.db import open_database
from service.jobs import JobStore, NewJob
from service.jobs.events import EventLog
from service.jobs.lifecycle import (
    HAS_AUDIO,
    HAS_TRANSCRIPT,
    RUNNING,
    TRANSITIONS,
    IllegalTransition,
    JobStatus,
    allowed,
    check,
    sources_of,
)
from service.transcript import Transcript
from service.vault import Vault
from tests import factories
from tests.pg_cluster import Cluster

S = JobStatus


def reachable(start: JobStatus) -> set[JobStatus]:
    seen, todo = {start}, deque([start])
    while todo:
        for target in TRANSITIONS[todo.popleft()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_state_is_reachable_from_an_upload() -> None:
    assert reachable(S.UPLOADED) == set(JobStatus)


def test_withdrawn_and_audio_deleted_end_the_road() -> None:
    assert TRANSITIONS[S.WITHDRAWN] == frozenset()
    assert TRANSITIONS[S.AUDIO_DELETED] == {S.WITHDRAWN}


def test_verification_only_follows_review_and_only_verification_leads_back_to_nothing() -> None:
    assert sources_of(S.VERIFIED) == {S.READY_FOR_REVIEW}
    assert sources_of(S.READY_FOR_REVIEW) == RUNNING - {S.DECODING}
    # Nothing returns to review or to a pipeline step once a transcript is verified.
    assert not reachable(S.VERIFIED) & (RUNNING | {S.READY_FOR_REVIEW, S.QUEUED})


def test_audio_can_only_be_deleted_while_it_exists() -> None:
    assert sources_of(S.AUDIO_DELETED) == HAS_AUDIO
    assert S.AUDIO_DELETED not in HAS_AUDIO and S.WITHDRAWN not in HAS_AUDIO


def test_every_state_but_withdrawn_can_be_withdrawn() -> None:
    assert sources_of(S.WITHDRAWN) == set(JobStatus) - {S.WITHDRAWN}


def test_check_refuses_what_the_table_lacks() -> None:
    check(S.QUEUED, S.DECODING)
    with pytest.raises(IllegalTransition, match="uploaded to verified"):
        check(S.UPLOADED, S.VERIFIED)
    assert not allowed(S.AUDIO_DELETED, S.READY_FOR_REVIEW)
    assert reachable(S.READY_FOR_REVIEW) >= HAS_TRANSCRIPT


def _transcript() -> Transcript:
    return factories.make_transcript([factories.make_segment(0.0, 1.0, "Hei.")], duration=1.0)


class StoreMachine(RuleBasedStateMachine):
    """Random sequences of every store operation on a few jobs in a real database (SQLite,
    and PostgreSQL in the test at the end).

    Each operation either does what the machine allows from the job's current state or changes
    nothing; after every step the observed change must be an edge of ``TRANSITIONS``."""

    def __init__(self, postgres: Cluster | None = None) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="lifecycle-"))
        self.postgres = postgres
        self.url = postgres.create_database() if postgres else f"sqlite:///{self.dir / 'jobs.db'}"
        self.db = open_database(self.url)
        self.db.upgrade()
        self.store = JobStore(self.db, Vault(self.dir / "vault", os.urandom(32)))
        self.ids: list[str] = []
        self.last: dict[str, JobStatus] = {}

    def teardown(self) -> None:
        self.db.dispose()
        if self.postgres is not None:
            self.postgres.drop_database(self.url)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _status(self, job_id: str) -> JobStatus:
        record = self.store.get(job_id)
        assert record is not None
        return record.status

    def _expect(self, job_id: str, target: JobStatus, happened: bool) -> None:
        before = self.last[job_id]
        assert happened == allowed(before, target) or (happened and before == target)

    @rule()
    def upload(self) -> None:
        job_id = os.urandom(16).hex()
        self.store.create(NewJob(job_id, "a.wav", f"audio-{job_id}", 10))
        self.ids.append(job_id)
        self.last[job_id] = S.UPLOADED

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def queue(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        self._expect(job_id, S.QUEUED, self.store.queue(job_id))

    @rule()
    def claim_next(self) -> None:
        self.store.claim_next()

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), step=st.sampled_from(sorted(RUNNING)))
    def progress(self, data: st.DataObject, step: JobStatus) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        before = self.last[job_id]
        moved = self.store.report_progress(job_id, step, step.value, 0.5)
        assert moved == (before in RUNNING and (before == step or allowed(before, step)))

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        finished = self.store.finish(job_id, _transcript(), ("Kari",))
        self._expect(job_id, S.READY_FOR_REVIEW, finished)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), outcome=st.sampled_from(["fail", "release"]))
    def stop_running(self, data: st.DataObject, outcome: str) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        before = self.last[job_id]
        if outcome == "fail":
            assert self.store.fail(job_id, "job.internal", {}) == (before in RUNNING)
        else:
            assert self.store.release(job_id) == (before in RUNNING)

    @rule()
    def restart(self) -> None:
        self.store.recover_interrupted()

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        record = self.store.get(job_id)
        assert record is not None
        stored = self.store.add_version(
            job_id,
            base=record.transcript_version or 0,
            transcript=_transcript(),
            originals=None,
            change="text.edit",
            author="u",
        )
        assert (stored is not None) == (record.status is S.READY_FOR_REVIEW)

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def verify(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        record = self.store.get(job_id)
        assert record is not None
        version = record.transcript_version or 0
        verified = self.store.mark_verified(job_id, version=version, sha256="0" * 64, by="u")
        self._expect(job_id, S.VERIFIED, verified)

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def delete_audio(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        deleted = self.store.mark_audio_deleted(job_id, reason="verified", receipt_seq=1)
        self._expect(job_id, S.AUDIO_DELETED, deleted)

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.ids))
        self._expect(job_id, S.WITHDRAWN, self.store.withdraw(job_id))

    @invariant()
    def only_allowed_changes(self) -> None:
        for job_id in self.ids:
            now = self._status(job_id)
            before = self.last[job_id]
            assert now == before or allowed(before, now), f"{before} -> {now}"
            self.last[job_id] = now

    @invariant()
    def the_newest_event_states_where_each_job_is(self) -> None:
        newest = {event.job_id: event for event in EventLog(self.db).after(0, limit=100_000)}
        for job_id in self.ids:
            record = self.store.get(job_id)
            assert record is not None
            event = newest[job_id]
            assert (event.status, event.step, event.version) == (
                record.status.value,
                record.step,
                record.transcript_version,
            )
            assert abs(event.progress - record.progress) < 0.01

    @invariant()
    def transcripts_exist_exactly_where_the_state_says(self) -> None:
        for job_id in self.ids:
            record = self.store.get(job_id)
            assert record is not None
            has = self.store.latest_version(job_id) is not None
            if record.status in (S.READY_FOR_REVIEW, S.VERIFIED):
                assert has
            elif record.status is S.AUDIO_DELETED:  # a project's end date may come first
                assert has == (record.transcript_version is not None)
            else:
                assert not has
            if record.status is S.WITHDRAWN:
                assert record.filename == "" and self.store.list_versions(job_id) == []


StoreMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStoreLifecycle = StoreMachine.TestCase


def test_the_store_keeps_the_lifecycle_on_postgresql(postgres: Cluster) -> None:
    """The same machine on PostgreSQL (fewer examples: each one is a new database)."""
    run_state_machine_as_test(
        lambda: StoreMachine(postgres),
        settings=settings(
            max_examples=6,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
