"""Encrypted objects: round trips, tampering, wrong keys, crypto-shredding, the master key."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from service import vault
from service.vault import FRAME, Vault, VaultError

PHRASE = "Kari Hansen bor i Bodø".encode()


@pytest.fixture
def box(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", vault.load_master_key(tmp_path / "master.key"))


def chunks(data: bytes, size: int = 65536) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)] or [b""]


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
    del data[-(FRAME // 2):]


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
