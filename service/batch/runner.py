"""Run a project folder: plan (hash and probe every recording), then process each in turn.

>>> runner = Runner(job, BatchState.load(out, project), pipeline)
>>> for item in runner.plan(discover(root, skip=out)):
...     outcome = runner.run(item, hook)

A recording is skipped when its content (SHA-256) already has a finished output in the
requested format, so a renamed or copied file is not transcribed twice and a changed one is.
Outputs are named by informant code (``S1.txt``; ``S1-maxqda.txt`` for a format that shares
its extension with another), never by the recording's file name.

With ``auto_verify``, a recording is deleted once every output of it has been written, fsynced
and read back with the SHA-256 it was written with; then a receipt goes to the audit log and a
copy to ``<out>/kvitteringer/``. The file is unlinked, not overwritten: on SSDs and
copy-on-write file systems overwriting writes new blocks and leaves the old ones, so it would
promise more than it does. A recording whose transcript failed is never deleted, nor one
reached through a symbolic link (unlinking that would leave the recording where it is).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from service import audit
from service.audio.probe import probe_audio
from service.background import log_unexpected
from service.batch.discover import sha256_file
from service.batch.state import (
    RECEIPTS_FOLDER,
    BatchState,
    Output,
    ReceiptRef,
    Record,
    Status,
    fsync_dir,
    write_atomic,
)
from service.consent import receipts
from service.consent.receipts import AUDIO_DELETED, Actor
from service.errors import IntervjuError
from service.exporters import ExportContext, Exporter
from service.options import JobOptions
from service.progress import Hook

if TYPE_CHECKING:
    from service.jobs.worker import PipelineLike

logger = logging.getLogger(__name__)

REASON_AUTO_VERIFY = "batch_auto_verify"
UNREAD = ""  # an Item's sha256 when the file could not be read


class Outcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchJob:
    """What one batch run does with every recording."""

    out: Path
    options: JobOptions
    exporter: Exporter
    context: ExportContext  # project and layout; the informant code is set per recording
    audit_path: Path  # where deletion receipts go
    auto_verify: bool = False


@dataclass(frozen=True)
class Item:
    """One recording found, as planned: skipped (done before, or a copy) or to process."""

    path: Path
    sha256: str  # UNREAD when the file could not be read
    size: int
    seconds: float | None = None
    skip: bool = False
    problem: IntervjuError | None = None  # the probe refused it


@dataclass(frozen=True)
class Result:
    """What happened to one recording (for the summary)."""

    item: Item
    outcome: Outcome
    informant: str | None = None
    seconds: float | None = None
    speakers: int | None = None
    output: str | None = None  # file name inside the output folder
    error: IntervjuError | None = None
    deleted: bool = False


class Runner:
    def __init__(self, job: BatchJob, state: BatchState, pipeline: PipelineLike) -> None:
        self.job = job
        self.state = state
        self.pipeline = pipeline

    def plan(self, paths: list[Path]) -> list[Item]:
        """Hash every recording, finish deletions a killed run began, probe what is to do."""
        items: list[Item] = []
        seen: set[str] = set()
        for path in paths:
            try:
                sha, size = sha256_file(path), path.stat().st_size
            except OSError:  # gone since it was listed, or not readable
                items.append(Item(path, UNREAD, 0, problem=IntervjuError("batch.unreadable")))
                continue
            record = self.state.records.get(sha)
            skip = sha in seen or (record is not None and record.done_for(self.job.exporter.name))
            seen.add(sha)
            item = Item(path, sha, size, skip=skip)
            items.append(item if skip else self._probe(item))
        self._finish_deletions(seen)
        return items

    def run(self, item: Item, hook: Hook) -> Result:
        """Process (or skip) one planned recording. KeyboardInterrupt passes through."""
        if item.skip:
            return self._skipped(item)
        if item.sha256 == UNREAD:
            return Result(item, Outcome.FAILED, error=item.problem)
        informant = self.state.informant(item.sha256)
        record = Record(
            informant=informant,
            status=Status.RUNNING,
            audio_bytes=item.size,
            audio_seconds=item.seconds,
            started_at=_now(),
        )
        old = self.state.records.get(item.sha256)
        if old is not None:  # keep the outputs and receipts of other formats
            record = replace(record, outputs=old.outputs, receipts=old.receipts)
        if item.problem is not None:
            return self._failed(item, record, item.problem)
        self.state.put(item.sha256, record)
        try:
            transcript = self.pipeline.process(item.path, self.job.options, hook).transcript
            if _changed(item):  # still being copied when planned, or replaced since
                self.state.restore(item.sha256, old)
                return Result(item, Outcome.FAILED, error=IntervjuError("batch.changed"))
            context = replace(self.job.context, informant_code=informant)
            output = self._write_output(informant, self.job.exporter.render(transcript, context))
        except IntervjuError as exc:
            return self._failed(item, record, exc)
        except Exception as exc:  # one bad recording (or export) must not stop the batch
            return self._failed(item, record, _internal(informant, exc))
        outputs = (*(o for o in record.outputs if o.format != output.format), output)
        record = self.state.update(
            item.sha256,
            status=Status.DONE,
            finished_at=_now(),
            speakers=len(transcript.speakers),
            outputs=outputs,
            audio_seconds=item.seconds or transcript.source.duration,
        )
        deleted = self.job.auto_verify and self._verify_and_delete(item, record)
        return self._result(item, Outcome.DONE, record, deleted)

    # -- steps -------------------------------------------------------------------------

    def _probe(self, item: Item) -> Item:
        try:
            return replace(item, seconds=probe_audio(item.path).duration)
        except IntervjuError as exc:
            return replace(item, problem=exc)

    def _skipped(self, item: Item) -> Result:
        record = self.state.records.get(item.sha256)
        if record is None or not record.done_for(self.job.exporter.name):
            # a copy of a recording that failed or is still to do in this run: left alone
            return Result(item, Outcome.SKIPPED, record.informant if record else None)
        deleted = self.job.auto_verify and self._verify_and_delete(item, record)
        return self._result(item, Outcome.SKIPPED, record, deleted)

    def _failed(self, item: Item, record: Record, error: IntervjuError) -> Result:
        record = replace(record, status=Status.FAILED, finished_at=_now(), error=error.key)
        self.state.put(item.sha256, record)
        logger.warning("Recording %s failed: %s", record.informant, error.key)
        return Result(item, Outcome.FAILED, record.informant, item.seconds, error=error)

    def _result(self, item: Item, outcome: Outcome, record: Record, deleted: bool) -> Result:
        output = record.output(self.job.exporter.name)
        return Result(
            item,
            outcome,
            record.informant,
            record.audio_seconds,
            record.speakers,
            output.file if output else None,
            deleted=deleted,
        )

    def _write_output(self, informant: str, data: bytes) -> Output:
        exporter = self.job.exporter
        # formats that share an extension (txt, maxqda, nvivo) must not overwrite each other
        stem = informant if exporter.name == exporter.extension else f"{informant}-{exporter.name}"
        target = self.job.out / f"{stem}.{exporter.extension}"
        write_atomic(target, data)
        return Output(exporter.name, target.name, hashlib.sha256(data).hexdigest())

    def _verify_and_delete(self, item: Item, record: Record) -> bool:
        """Read every output back; only when each matches its SHA-256, delete the recording."""
        for output in record.outputs:
            path = self.job.out / output.file
            if not path.is_file() or sha256_file(path) != output.sha256:
                logger.warning("Output of %s does not read back: recording kept", record.informant)
                return False
        if item.path.is_symlink():  # unlinking it would leave the recording it points to
            logger.warning("Recording %s is a symbolic link: kept", record.informant)
            return False
        if _changed(item):  # changed or gone since it was planned
            return False
        verified_at = _now()
        record = self.state.update(item.sha256, deleting=verified_at)
        item.path.unlink()
        fsync_dir(item.path.parent)
        self._receipt(item.sha256, record, verified_at=verified_at, deleted_at=_now())
        return True

    def _receipt(
        self,
        sha: str,
        record: Record,
        *,
        verified_at: str,
        deleted_at: str,
        logged: audit.Entry | None = None,
    ) -> None:
        """Append the deletion's receipt to the audit log (unless ``logged`` already is it),
        keep a copy, clear ``deleting``."""
        entry = logged or audit.append(
            self.job.audit_path,
            AUDIO_DELETED,
            self._receipt_data(sha, record, verified_at=verified_at, deleted_at=deleted_at),
        )
        folder = self.job.out / RECEIPTS_FOLDER
        folder.mkdir(exist_ok=True)
        target = folder / f"{batch_id(sha)}-{entry.seq}.json"
        text = json.dumps(receipts.document(entry), indent=2, ensure_ascii=False) + "\n"
        write_atomic(target, text.encode("utf-8"))
        ref = ReceiptRef(entry.seq, entry.hash, f"{RECEIPTS_FOLDER}/{target.name}")
        self.state.update(sha, deleting=None, receipts=(*record.receipts, ref))

    def _receipt_data(
        self, sha: str, record: Record, *, verified_at: str, deleted_at: str
    ) -> dict[str, object]:
        output = record.output(self.job.exporter.name) or record.outputs[0]
        return {
            "job": batch_id(sha),
            "project": None,  # the folder's name may name someone; the copy lies in its folder
            "reason": REASON_AUTO_VERIFY,
            "audio_sha256": sha,
            "audio_bytes": record.audio_bytes,
            "audio_seconds": record.audio_seconds,
            "uploaded_at": record.started_at,
            "verified_at": verified_at,
            "verified_by": None,  # automatic: read back and checked, not read by a person
            "transcript_sha256": output.sha256,
            "transcript_format": output.format,
            "transcript_version": None,
            "deleted_at": deleted_at,
            "by": receipts.actor(Actor.cli()),
        }

    def _finish_deletions(self, present: set[str]) -> None:
        """A run killed between unlink and receipt: write the receipt now (once)."""
        for sha, record in list(self.state.records.items()):
            if record.deleting is None:
                continue
            if sha in present:  # not deleted after all
                self.state.update(sha, deleting=None)
                continue
            # killed after the audit entry was written but before the state said so: reuse it
            logged = self._logged(sha, verified_at=record.deleting)
            self._receipt(
                sha,
                record,
                verified_at=record.deleting,
                deleted_at=record.deleting,
                logged=logged,
            )

    def _logged(self, sha: str, *, verified_at: str) -> audit.Entry | None:
        """The audit log's receipt of this deletion, if it was written."""
        return next(
            (
                entry
                for entry in audit.read(self.job.audit_path)
                if entry.kind == AUDIO_DELETED
                and entry.data.get("job") == batch_id(sha)
                and entry.data.get("verified_at") == verified_at
            ),
            None,
        )


def _changed(item: Item) -> bool:
    """Whether the file no longer holds what was planned (or cannot be read)."""
    try:
        return sha256_file(item.path) != item.sha256
    except OSError:
        return True


def _internal(informant: str, exc: Exception) -> IntervjuError:
    # Never the message: library errors quote their input, which may be transcript text.
    log_unexpected(logger, f"Recording {informant} failed", exc)
    return IntervjuError("job.internal", kind=type(exc).__name__)


def batch_id(sha256: str) -> str:
    """The receipt's job id: from the recording's content, the same in every run."""
    return f"batch-{sha256[:16]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
