"""Per-job data keys, so that deleting a job's data also makes every copy of it unreadable.

A job's database values are sealed under two keys kept in the vault beside the recordings'
(``keys/<id>.key``, wrapped by the master key, mode 0600): ``job-values-<job>`` for its file
name, options and transcript versions, ``job-originals-<job>`` for the originals behind the
tags. A key is made, durably, the first time a value needs it, so before any row holding such
a value is written. Verification and a project's end date shred the originals key, withdrawal
both (``service.consent``): from then on the values are unreadable in dead row versions, WAL
segments and backups too, not only in the live table.

Values written before job keys (each with its own key wrapped inline, ``Vault.seal_text``)
still open; new values are always sealed under the job's key.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Collection

from service.vault import KEYED_VERSION, Vault, VaultError, decode_token, open_keyed, seal_keyed


class KeyShredded(VaultError):
    """The value was sealed under a job key that has been shredded (or never existed)."""


def job_key_id(job_id: str) -> str:
    """The key of a job's file name, options and transcript versions."""
    return f"job-values-{job_id}"


def originals_key_id(job_id: str) -> str:
    """The key of the originals behind a job's tags."""
    return f"job-originals-{job_id}"


def job_of(key_id: str) -> str | None:
    """The job a key id belongs to, or ``None`` for another kind of vault object."""
    for prefix in ("job-values-", "job-originals-"):
        if key_id.startswith(prefix):
            return key_id.removeprefix(prefix)
    return None


class JobKeys:
    """Seals and opens values under job keys. Every use reads the key file (a few dozen bytes)
    and unwraps it: no key is cached, so a key shredded by another process (the API and a
    worker, say) is never used here afterwards. Thread-safe."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def seal(self, key_id: str, context: str, text: str) -> str:
        """``text`` sealed under ``key_id`` (made now if the job has none yet), base64."""
        blob = seal_keyed(self._key(key_id, create=True), context, text.encode())
        return base64.b64encode(blob).decode("ascii")

    def open(self, key_id: str, context: str, token: str) -> str:
        """The text ``seal`` (or, for older values, ``Vault.seal_text``) sealed. Raises
        ``KeyShredded`` once ``key_id`` is shredded, ``VaultError`` if altered or moved."""
        blob = decode_token(token)
        if blob[:1] == bytes((KEYED_VERSION,)):
            return open_keyed(self._key(key_id, create=False), context, blob).decode()
        return self._vault.open_bytes(context, blob).decode()

    def exists(self, key_id: str) -> bool:
        return self._vault.key_path(key_id).exists()

    def shred(self, key_id: str) -> bool:
        """Destroy the key (durably); ``False`` if there was none."""
        if not self.exists(key_id):
            return False
        self._vault.shred(key_id)
        return True

    def strays(self, known: Collection[str], min_age_s: float) -> list[str]:
        """Job keys of no job in ``known`` older than ``min_age_s``: made for a job whose row
        was never written (a job being created has a key for a few milliseconds first)."""
        found = self._vault.object_ids("job-values-") + self._vault.object_ids("job-originals-")
        now = time.time()
        strays = []
        for key_id in found:
            if job_of(key_id) in known:
                continue
            try:
                age = now - self._vault.key_path(key_id).stat().st_mtime
            except FileNotFoundError:
                continue
            if age > min_age_s:
                strays.append(key_id)
        return strays

    def _key(self, key_id: str, *, create: bool) -> bytes:
        try:
            return self._vault.load_key(key_id)
        except VaultError:
            if self.exists(key_id):  # there, but does not open: damaged or another master key
                raise
            if not create:
                raise KeyShredded(f"the key {key_id} is shredded") from None
        try:
            return self._vault.create_key(key_id)
        except FileExistsError:  # another thread or process made it first
            return self._vault.load_key(key_id)
