"""Per-job keys: made once, read from their key file at every use (never cached)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.jobs.job_keys import JobKeys, KeyShredded, job_key_id, job_of, originals_key_id
from service.vault import Vault, VaultError


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", os.urandom(32))


def test_a_key_shredded_elsewhere_is_not_used_from_the_cache(vault: Vault) -> None:
    here, there = JobKeys(vault), JobKeys(vault)  # e.g. the worker and the API
    token = here.seal(job_key_id("j1"), "job:j1:filename", "Kari.m4a")
    assert there.open(job_key_id("j1"), "job:j1:filename", token) == "Kari.m4a"
    assert there.shred(job_key_id("j1")) and not there.shred(job_key_id("j1"))
    with pytest.raises(KeyShredded):
        here.open(job_key_id("j1"), "job:j1:filename", token)
    again = here.seal(job_key_id("j1"), "job:j1:filename", "ny")  # a new key, not the old one
    assert there.open(job_key_id("j1"), "job:j1:filename", again) == "ny"
    with pytest.raises(VaultError, match="does not open"):  # the old key stays gone
        there.open(job_key_id("j1"), "job:j1:filename", token)


def test_a_damaged_key_file_is_a_vault_error(vault: Vault) -> None:
    """A key file cut short (a crash, or a share without hard links while it is written) is
    refused as a VaultError, which the API answers properly, not as a ValueError (a 500)."""
    keys = JobKeys(vault)
    token = keys.seal(job_key_id("j1"), "c", "x")
    vault.key_path(job_key_id("j1")).write_bytes(b"")
    with pytest.raises(VaultError) as error:
        keys.open(job_key_id("j1"), "c", token)
    assert not isinstance(error.value, KeyShredded)  # there, but does not open


def test_key_ids_name_their_job_and_kind() -> None:
    assert job_of(job_key_id("a-b")) == "a-b" and job_of(originals_key_id("a-b")) == "a-b"
    assert job_of("audio-a") is None
    assert job_key_id("x") != originals_key_id("x")
