"""Encrypted objects: round trips, tampering, wrong keys, crypto-shredding, the master key."""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import stat
import time
from pathlib import Path

import pytest

from service import vault
from service.vault import FRAME, Vault, VaultError

PHRASE = "Kari Hansen bor i Bodø".encode()


@pytest.fixture
def box(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", vault.load_master_key(tmp_path / "master.key"))


def chunks(data: bytes, size: int = 65536) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


@pytest.mark.parametrize("size", [0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 3 * FRAME + 7])
def test_round_trip(box: Vault, size: int) -> None:
    data = os.urandom(size)
    sealed = box.store("obj", chunks(data))
    assert sealed.size == size
    assert box.read("obj") == data


def test_nothing_readable_on_disk(box: Vault, tmp_path: Path) -> None:
    box.store("upload-1", [PHRASE * 1000])
    for path in (tmp_path / "vault").rglob("*"):
        if path.is_file():
            assert b"Kari" not in path.read_bytes() and b"Bod" not in path.read_bytes()


def _flip(data: bytearray) -> None:
    data[-5] ^= 1


def _drop_last_frame(data: bytearray) -> None:
    del data[-(FRAME // 2) :]


@pytest.mark.parametrize(
    "damage",
    [
        _flip,
        _drop_last_frame,
        lambda d: d.__delitem__(slice(vault._HEADER.size + FRAME + 16, None)),  # cut at a frame
        lambda d: d.__setitem__(slice(4, 12), bytes(8)),  # another nonce prefix
    ],
)
def test_tampering_is_detected(box: Vault, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    box.store("obj", chunks(os.urandom(2 * FRAME + 100)))
    path = tmp_path / "vault" / "data" / "obj.sealed"
    data = bytearray(path.read_bytes())
    damage(data)
    path.write_bytes(bytes(data))
    with pytest.raises(VaultError):
        box.read("obj")


def test_frames_cannot_be_swapped_between_objects(box: Vault, tmp_path: Path) -> None:
    box.store("a", [b"a" * 100])
    box.store("b", [b"b" * 100])
    data = tmp_path / "vault" / "data"
    (data / "a.sealed").write_bytes((data / "b.sealed").read_bytes())
    with pytest.raises(VaultError):
        box.read("a")


def test_shredding_destroys_the_key_then_the_data(box: Vault, tmp_path: Path) -> None:
    box.store("obj", [PHRASE])
    kept = (tmp_path / "vault" / "data" / "obj.sealed").read_bytes()  # e.g. an old backup
    box.shred("obj")
    assert not box.exists("obj")
    assert list((tmp_path / "vault").rglob("obj*")) == []
    (tmp_path / "vault" / "data" / "obj.sealed").write_bytes(kept)  # the backup restored
    with pytest.raises(VaultError, match="no key"):
        box.read("obj")


def test_a_failed_store_leaves_nothing(box: Vault, tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield b"x" * 10
        raise OSError("upload interrupted")

    with pytest.raises(OSError):
        box.store("obj", broken())
    assert list((tmp_path / "vault").rglob("obj*")) == []


def test_the_wrong_master_key_opens_nothing(box: Vault, tmp_path: Path) -> None:
    box.store("obj", [PHRASE])
    other = Vault(tmp_path / "vault", os.urandom(32))
    with pytest.raises(VaultError, match="master key"):
        other.read("obj")


def test_master_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    first = vault.load_master_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert vault.load_master_key(path) == first and len(first) == 32
    path.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        vault.load_master_key(path)


def test_master_key_file_appears_only_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process starting at the same moment (api and worker in compose) must never read
    a created but still empty key file."""
    path = tmp_path / "master.key"
    real = vault.secrets.token_bytes

    def generate(n: int) -> bytes:
        assert not path.exists(), "the key file is visible before its key is written"
        return real(n)

    monkeypatch.setattr(vault.secrets, "token_bytes", generate)
    key = vault.load_master_key(path)
    assert path.read_bytes() == key and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_master_key_copy_left_by_a_crash_is_removed(tmp_path: Path) -> None:
    """A crash between linking the key into place and removing its staged name leaves a second
    link to the master key beside it; deleting master.key would then not erase the key."""
    key = vault.load_master_key(tmp_path / "master.key")
    left = tmp_path / f"{vault._STAGED}123.abcd1234"
    os.link(tmp_path / "master.key", left)
    os.utime(left, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / f"{vault._STAGED}456.abcd1234"  # another process writing right now
    fresh.write_bytes(b"")
    assert vault.load_master_key(tmp_path / "master.key") == key
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["master.key", fresh.name])


def test_a_key_copy_a_crash_left_goes_at_the_next_start_however_young(tmp_path: Path) -> None:
    """Killed between linking a key into place and removing its staged name: the staged name is
    a second link to the key, which shredding would miss; the restarted process removes it."""
    box = Vault(tmp_path / "vault", os.urandom(32))
    box.create_key("job-values-j1")
    keys = tmp_path / "vault" / "keys"
    os.link(keys / "job-values-j1.key", keys / f"{vault._STAGED}99.0badc0de")
    Vault(tmp_path / "vault", os.urandom(32))  # the restart
    assert sorted(p.name for p in keys.iterdir()) == ["job-values-j1.key"]


def test_a_share_without_hard_links_still_gets_a_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*_: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(vault.os, "link", no_links)
    path = tmp_path / "master.key"
    key = vault.load_master_key(path)
    assert path.read_bytes() == key and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert vault.load_master_key(path) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def _load_key(path: str) -> bytes:
    return vault.load_master_key(Path(path))


def test_processes_starting_together_share_one_master_key(tmp_path: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(4) as pool:
        for round_ in range(10):
            path = str(tmp_path / f"r{round_}" / "master.key")
            keys = pool.map(_load_key, [path] * 8)
            assert len(set(keys)) == 1
            assert sorted(p.name for p in Path(path).parent.iterdir()) == ["master.key"]


def test_master_key_from_a_secret_setting(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert vault.load_master_key(tmp_path / "unused", base64.b64encode(key).decode()) == key
    with pytest.raises(VaultError):
        vault.load_master_key(tmp_path / "unused", base64.b64encode(b"short").decode())
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("object_id", ["../etc/passwd", "", "a/b", ".hidden"])
def test_object_ids_cannot_escape(box: Vault, object_id: str) -> None:
    with pytest.raises(VaultError, match="bad object id"):
        box.store(object_id, [b"x"])


def test_a_writer_commits_what_was_written(box: Vault, tmp_path: Path) -> None:
    data = os.urandom(FRAME + 10)
    with box.writer("obj") as writer:
        writer.write(data[:10])
        assert writer.size == 10
        writer.write(data[10:])
        assert writer.size == len(data)
        assert not box.exists("obj")  # only a .partial so far
        sealed = writer.commit()
    assert (sealed.object_id, sealed.size) == ("obj", len(data))
    assert sealed.sha256 == hashlib.sha256(data).hexdigest()
    assert box.read("obj") == data
    assert sorted(p.name for p in (tmp_path / "vault").rglob("obj*")) == ["obj.key", "obj.sealed"]
    with pytest.raises(VaultError, match="committed"):
        writer.write(b"more")


def test_leaving_a_writer_without_commit_leaves_nothing(box: Vault, tmp_path: Path) -> None:
    with box.writer("obj") as writer:
        writer.write(PHRASE)
        assert [p.name for p in (tmp_path / "vault").rglob("obj*")] == ["obj.partial"]
    assert list((tmp_path / "vault").rglob("obj*")) == []
    with pytest.raises(RuntimeError), box.writer("obj") as writer:
        writer.write(PHRASE)
        raise RuntimeError("client went away")
    assert list((tmp_path / "vault").rglob("obj*")) == []
    box.store("obj", [b"the id is free again"])


def test_abort_and_commit_after_abort(box: Vault, tmp_path: Path) -> None:
    writer = box.writer("obj")
    writer.write(PHRASE)
    writer.abort()
    writer.abort()  # idempotent
    assert list((tmp_path / "vault").rglob("obj*")) == []
    with pytest.raises(VaultError, match="aborted"):
        writer.commit()


def test_one_writer_per_object(box: Vault) -> None:
    box.store("done", [b"x"])
    with pytest.raises(VaultError, match="exists"):
        box.writer("done")
    with box.writer("obj"), pytest.raises(VaultError, match="being written"):
        box.writer("obj")


def test_a_commit_that_fails_leaves_nothing(box: Vault, tmp_path: Path) -> None:
    with box.writer("obj") as writer:
        writer.write(PHRASE)
        box.shred("obj")  # e.g. the job was deleted while its upload was still coming in
        with pytest.raises(FileNotFoundError):
            writer.commit()
    assert list((tmp_path / "vault").rglob("obj*")) == []


def test_object_ids_by_prefix(box: Vault) -> None:
    box.store("job-1.upload", [b"a"])
    box.store("job-1.transcript", [b"b"])
    box.store("job-10.upload", [b"c"])
    box.store("job-2.upload", [b"d"])
    with box.writer("job-1.partial-copy"):
        assert box.object_ids("job-1.") == [
            "job-1.partial-copy",
            "job-1.transcript",
            "job-1.upload",
        ]
    assert box.object_ids("job-1.") == ["job-1.transcript", "job-1.upload"]
    assert box.object_ids("job-1") == ["job-1.transcript", "job-1.upload", "job-10.upload"]
    assert box.object_ids("job-3.") == []
    for object_id in box.object_ids("job-1."):
        box.shred(object_id)
    assert box.object_ids("") == ["job-10.upload", "job-2.upload"]


def test_shred_removes_a_write_in_progress(box: Vault, tmp_path: Path) -> None:
    writer = box.writer("obj")
    writer.write(PHRASE)
    box.shred("obj")
    assert list((tmp_path / "vault").rglob("obj*")) == []
    writer.abort()


@pytest.mark.parametrize("data", [b"", PHRASE, os.urandom(100_000)], ids=["empty", "short", "long"])
def test_sealed_values_round_trip(box: Vault, data: bytes) -> None:
    blob = box.seal_bytes("job:1:filename", data)
    assert blob[0] == vault.VALUE_VERSION
    assert len(blob) == 1 + 12 + 32 + 16 + 12 + len(data) + 16
    assert box.open_bytes("job:1:filename", blob) == data
    assert box.seal_bytes("job:1:filename", data) != blob  # a fresh key and nonce every time


def test_sealed_text_is_ascii_for_a_text_column(box: Vault) -> None:
    token = box.seal_text("job:1:filename", "Intervju med Kari Hansen, Bodø.m4a")
    assert token.isascii() and "Kari" not in token
    assert box.open_text("job:1:filename", token) == "Intervju med Kari Hansen, Bodø.m4a"
    for bad in ("not base64!", "", base64.b64encode(b"\x01short").decode()):
        with pytest.raises(VaultError):
            box.open_text("job:1:filename", bad)


@pytest.mark.parametrize("context", ["job:2:filename", "job:1:title", "job:1:filename "])
def test_a_sealed_value_does_not_open_in_another_context(box: Vault, context: str) -> None:
    blob = box.seal_bytes("job:1:filename", PHRASE)
    with pytest.raises(VaultError, match="does not open"):
        box.open_bytes(context, blob)


@pytest.mark.parametrize("offset", [1, 13, 1 + 60, 1 + 60 + 12, -1], ids=str)
def test_a_tampered_sealed_value_does_not_open(box: Vault, offset: int) -> None:
    blob = bytearray(box.seal_bytes("job:1:filename", PHRASE))
    blob[offset] ^= 1  # the wrapped key's nonce or ciphertext, the nonce, the data, the tag
    with pytest.raises(VaultError, match="does not open"):
        box.open_bytes("job:1:filename", bytes(blob))


def test_sealed_value_version_and_master_key_are_checked(box: Vault, tmp_path: Path) -> None:
    blob = box.seal_bytes("job:1:filename", PHRASE)
    with pytest.raises(VaultError, match="not a sealed value"):
        box.open_bytes("job:1:filename", b"\x02" + blob[1:])
    with pytest.raises(VaultError, match="not a sealed value"):
        box.open_bytes("job:1:filename", blob[:40])
    other = Vault(tmp_path / "vault", os.urandom(32))
    with pytest.raises(VaultError, match="does not open"):
        other.open_bytes("job:1:filename", blob)


def test_a_kept_key_is_private_made_once_and_shredded(box: Vault, tmp_path: Path) -> None:
    key = box.create_key("job-values-1")
    path = tmp_path / "vault" / "keys" / "job-values-1.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and key not in path.read_bytes()
    with pytest.raises(FileExistsError):  # never replaced: values sealed under it would be lost
        box.create_key("job-values-1")
    assert box.load_key("job-values-1") == key
    box.shred("job-values-1")
    with pytest.raises(VaultError, match="no key"):
        box.load_key("job-values-1")
    assert sorted(p.name for p in path.parent.iterdir()) == []  # nothing staged left behind


def test_a_value_under_a_kept_key_is_bound_to_key_and_context(box: Vault) -> None:
    key = box.create_key("job-values-1")
    blob = vault.seal_keyed(key, "job:1:filename", PHRASE)
    assert blob[0] == vault.KEYED_VERSION and len(blob) == 1 + 12 + len(PHRASE) + 16
    assert vault.open_keyed(key, "job:1:filename", blob) == PHRASE
    for other_key, context in ((key, "job:2:filename"), (os.urandom(32), "job:1:filename")):
        with pytest.raises(VaultError, match="does not open"):
            vault.open_keyed(other_key, context, blob)
    with pytest.raises(VaultError, match="not a sealed value"):  # not an inline-wrapped value
        box.open_bytes("job:1:filename", blob)


def test_key_files_a_crash_left_staged_are_removed_at_start(box: Vault, tmp_path: Path) -> None:
    keys = tmp_path / "vault" / "keys"
    stale, fresh = keys / ".staged-1.aa", keys / ".staged-2.bb"
    stale.write_bytes(os.urandom(60))
    fresh.write_bytes(os.urandom(60))  # another process writing a key right now
    os.utime(stale, (0, 0))
    Vault(tmp_path / "vault", os.urandom(32))
    assert not stale.exists() and fresh.exists()
