"""Encrypted storage: every object sealed with its own key, and crypto-shredding.

An object (an upload, a transcript, a tag map) is encrypted as it is written (``Vault.writer``
pushed piece by piece, or ``Vault.store`` from an iterable), in frames of
``FRAME`` bytes, with AES-256-GCM under a fresh random data key. The data key is wrapped
(AES-256-GCM) by the master key and kept apart from the data, in ``keys/<id>.key``; deleting an
object destroys that key first (crypto-shredding: the ciphertext is unreadable from then on,
even from a backup or a disk block that unlinking did not overwrite), then unlinks the data.

Frame ``i`` uses nonce ``prefix ‖ i`` (a random 8-byte prefix per object, a 4-byte counter) and
authenticates the header, its index and whether it is the last frame, so a changed, dropped,
reordered or cut-off frame fails to decrypt. Plaintext is never written to disk.

Small values (database columns: a file name, a transcript) are sealed under a data key kept in
the vault like an object's (``create_key``, ``seal_keyed``: ``KEYED_VERSION ‖ nonce ‖ ct``), so
shredding that key makes every copy of them unreadable, backups included (``service.jobs.
job_keys`` keeps two such keys per job). ``seal_bytes`` seals a value under its own fresh data
key wrapped inline: ``VALUE_VERSION ‖ wrapped key (nonce ‖ ct) ‖ nonce ‖ ct`` (webhook secrets,
and job values written by earlier versions). Either way the caller's ``context``
(``"job:<id>:filename"``) is authenticated, so a blob copied into another row or column does
not open.

Key files are written whole under a private name, fsynced and linked into place (never
replacing one), then the directory is fsynced.

The master key is 32 random bytes in a key file created with mode 0600 on first start, or given
as a secret setting (base64).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import os
import re
import secrets
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.storage import fsync_dir

MAGIC = b"IVJ1"
FRAME = 1 << 20  # plaintext bytes per frame
TAG = 16
KEY_BYTES = 32
_HEADER = struct.Struct(">4s8sI")  # magic, nonce prefix, frame size
VALUE_VERSION = 1
_NONCE = 12
_WRAPPED = _NONCE + KEY_BYTES + TAG
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
KEYED_VERSION = 2  # a value sealed under a key kept in the vault (``seal_keyed``)
_STAGED = ".staged-"  # a key file being written (``_write_new``)
_STAGED_STALE_S = 60.0
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}


class VaultError(RuntimeError):
    """An object is missing, shredded, or does not decrypt (tampered or wrong key)."""


def load_master_key(path: Path, secret: str | None = None) -> bytes:
    """The master key: ``secret`` (base64 of 32 bytes) if given, else the key file at ``path``,
    created with mode 0600 on first use."""
    if secret:
        key = base64.b64decode(secret, validate=True)
        if len(key) != KEY_BYTES:
            raise VaultError("the master key must be 32 bytes (base64)")
        return key
    if path.parent.is_dir():
        _drop_stale_staged(path.parent)
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another process made it first: that is the key
        _write_new(path, secrets.token_bytes(KEY_BYTES))
    return _read_key_file(path)


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` whole under a private name, fsync, link it into place and fsync the
    directory: a reader (or a process starting at the same moment) sees no file or the complete
    one, never a partial one. ``FileExistsError`` if ``path`` exists; it is never replaced."""
    staged = path.with_name(f"{_STAGED}{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(staged, path)
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            _write_in_place(path, data)  # a share without hard links (some SMB/FUSE mounts)
    finally:
        staged.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _write_in_place(path: Path, data: bytes) -> None:
    """Create ``path`` exclusively and write it: for filesystems without hard links. A reader
    may see it short for a moment, which ``_read_key_file`` waits out."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _drop_stale_staged(folder: Path) -> None:
    """Key files a crash left half-way through ``_write_new`` (never linked, or linked but not
    yet unlinked: a second copy of a key that shredding would otherwise miss)."""
    now = time.time()
    for entry in os.scandir(folder):
        if not entry.name.startswith(_STAGED):
            continue
        try:
            info = entry.stat()
        except FileNotFoundError:  # its writer just removed it
            continue
        # Linked (a second name of a key that exists) goes at once: a shred would miss it.
        if info.st_nlink > 1 or now - info.st_mtime > _STAGED_STALE_S:
            Path(entry.path).unlink(missing_ok=True)


def _read_key_file(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        raise VaultError(f"{path} is readable by others: chmod 600 it")
    key = path.read_bytes()
    for _ in range(20):  # being written in place (``_write_in_place``): wait up to a second
        if len(key) >= KEY_BYTES:
            break
        time.sleep(0.05)
        key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise VaultError(f"{path} does not hold a 32-byte key")
    return key


@dataclass(frozen=True)
class Sealed:
    """What was stored: plaintext size and SHA-256 (for receipts and checks)."""

    object_id: str
    size: int
    sha256: str


class _Writer:
    """Encrypts what is written to it, frame by frame, into an open file."""

    def __init__(self, handle: BinaryIO, data_key: bytes) -> None:
        self._handle = handle
        self._aead = AESGCM(data_key)
        self._prefix = secrets.token_bytes(8)
        self._header = _HEADER.pack(MAGIC, self._prefix, FRAME)
        handle.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.size += len(data)
        self.digest.update(data)
        while len(self._buffer) > FRAME:  # keep one frame back: the last must be marked
            self._frame(bytes(self._buffer[:FRAME]), last=False)
            del self._buffer[:FRAME]
        return len(data)

    def close(self) -> None:
        self._frame(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _frame(self, plain: bytes, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self._header + struct.pack(">I?", self._index, last)
        self._handle.write(self._aead.encrypt(nonce, plain, aad))
        self._index += 1


class SealedWriter:
    """A new object being written: ``write`` plaintext, then ``commit`` or ``abort``.

    Used as a context manager, leaving the block without a commit aborts: the partial data is
    removed and no key is left. Made by ``Vault.writer``.
    """

    def __init__(self, vault: Vault, object_id: str, handle: BinaryIO, partial: Path) -> None:
        self._vault = vault
        self._object_id = object_id
        self._handle = handle
        self._partial = partial
        self._data_key = AESGCM.generate_key(bit_length=256)
        self._frames = _Writer(handle, self._data_key)
        self._state = "open"  # -> "committed" | "aborted"
        self._key_written = False
        self._renamed = False

    @property
    def size(self) -> int:
        """Plaintext bytes written so far."""
        return self._frames.size

    def write(self, data: bytes) -> int:
        if self._state != "open":
            raise VaultError(f"object {self._object_id} is {self._state}: no more writes")
        try:
            return self._frames.write(data)
        except BaseException:
            self.abort()
            raise

    def commit(self) -> Sealed:
        """Seal the last frame, fsync, write the wrapped key, rename into place and fsync the
        directory: the object is durable when this returns."""
        if self._state != "open":
            raise VaultError(f"object {self._object_id} is {self._state}: cannot commit")
        data_path, key_path = self._vault._paths(self._object_id)
        try:
            self._frames.close()
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._vault._write_key(key_path, self._object_id, self._data_key)
            self._key_written = True
            self._partial.rename(data_path)
            self._renamed = True
            fsync_dir(data_path.parent)
        except BaseException:
            self.abort()
            raise
        self._state = "committed"
        return Sealed(self._object_id, self._frames.size, self._frames.digest.hexdigest())

    def abort(self) -> None:
        """Forget what was written (a no-op once committed or aborted)."""
        if self._state != "open":
            return
        self._state = "aborted"
        self._handle.close()
        self._partial.unlink(missing_ok=True)
        data_path, key_path = self._vault._paths(self._object_id)
        if self._key_written:
            key_path.unlink(missing_ok=True)
        if self._renamed:
            data_path.unlink(missing_ok=True)

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.abort()


class Vault:
    """Sealed objects under ``root`` (``data/``, ``keys/``), all keys wrapped by ``master``."""

    def __init__(self, root: Path, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise VaultError("the master key must be 32 bytes")
        self._root = root
        self._master = AESGCM(master)
        for sub in ("data", "keys"):
            (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        _drop_stale_staged(root / "keys")

    def instance_id(self) -> str | None:
        """The id ``claim_instance`` gave this vault, if any."""
        try:
            return (self._root / "instance").read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def claim_instance(self, instance_id: str) -> str:
        """Give the vault ``instance_id`` unless it has one; returns the id it has."""
        with contextlib.suppress(FileExistsError):
            _write_new(self._root / "instance", instance_id.encode("ascii"))
        return self.instance_id() or instance_id

    def _paths(self, object_id: str) -> tuple[Path, Path]:
        if not _ID.match(object_id):
            raise VaultError("bad object id")
        return self._root / "data" / f"{object_id}.sealed", self._root / "keys" / f"{object_id}.key"

    def exists(self, object_id: str) -> bool:
        data, key = self._paths(object_id)
        return data.exists() and key.exists()

    def store(self, object_id: str, chunks: Iterator[bytes] | list[bytes]) -> Sealed:
        """Encrypt ``chunks`` as they come into a new object; durable when this returns."""
        with self.writer(object_id) as writer:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()

    def writer(self, object_id: str) -> SealedWriter:
        """A new object written piece by piece: ``with vault.writer(id) as w: w.write(...)``,
        then ``w.commit()``. Leaving the block without a commit leaves nothing behind."""
        data_path, key_path = self._paths(object_id)
        if data_path.exists() or key_path.exists():
            raise VaultError(f"object {object_id} exists")
        partial = data_path.with_suffix(".partial")
        try:
            handle = partial.open("xb")
        except FileExistsError:
            raise VaultError(f"object {object_id} is being written") from None
        return SealedWriter(self, object_id, handle, partial)

    def object_ids(self, prefix: str) -> list[str]:
        """Every object id starting with ``prefix`` of which anything is kept (data, key or a
        write in progress), sorted: what to shred to forget all copies of a job."""
        found: set[str] = set()
        for sub, suffixes in (("data", (".sealed", ".partial")), ("keys", (".key",))):
            for entry in os.scandir(self._root / sub):
                for suffix in suffixes:
                    object_id = entry.name.removesuffix(suffix)
                    if entry.name.endswith(suffix) and object_id.startswith(prefix):
                        found.add(object_id)
        return sorted(object_id for object_id in found if _ID.match(object_id))

    def _write_key(self, path: Path, object_id: str, data_key: bytes) -> None:
        nonce = secrets.token_bytes(12)
        _write_new(path, nonce + self._master.encrypt(nonce, data_key, object_id.encode()))

    def create_key(self, key_id: str) -> bytes:
        """A fresh data key kept (wrapped) in ``keys/<key_id>.key``, durable when this returns;
        ``FileExistsError`` if that key exists. ``shred(key_id)`` destroys it."""
        data_key = AESGCM.generate_key(bit_length=256)
        self._write_key(self._paths(key_id)[1], key_id, data_key)
        return data_key

    def load_key(self, key_id: str) -> bytes:
        """The data key ``create_key(key_id)`` made; ``VaultError`` if it is gone."""
        return self._data_key(key_id, self._paths(key_id)[1])

    def key_path(self, key_id: str) -> Path:
        return self._paths(key_id)[1]

    def _data_key(self, object_id: str, key_path: Path) -> bytes:
        try:
            wrapped = key_path.read_bytes()
        except FileNotFoundError:
            raise VaultError(f"object {object_id} has no key (shredded or never stored)") from None
        try:
            return self._master.decrypt(wrapped[:12], wrapped[12:], object_id.encode())
        except (InvalidTag, ValueError):  # ValueError: cut short, no room for a nonce
            raise VaultError(f"the key of {object_id} does not open with this master key") from None

    def open(self, object_id: str) -> Iterator[bytes]:
        """The plaintext, frame by frame; raises VaultError on any tampering."""
        data_path, key_path = self._paths(object_id)
        aead = AESGCM(self._data_key(object_id, key_path))
        try:
            handle = data_path.open("rb")
        except FileNotFoundError:
            raise VaultError(f"object {object_id} is missing") from None
        with handle:
            header = handle.read(_HEADER.size)
            magic, prefix, frame = (
                _HEADER.unpack(header) if len(header) == _HEADER.size else (b"", b"", 0)
            )
            if magic != MAGIC or frame <= 0:
                raise VaultError(f"object {object_id} is not a sealed object")
            index, block = 0, handle.read(frame + TAG)
            while True:
                following = handle.read(frame + TAG) if block else b""
                last = not following
                nonce = prefix + struct.pack(">I", index)
                aad = header + struct.pack(">I?", index, last)
                try:
                    yield aead.decrypt(nonce, block, aad)
                except InvalidTag:
                    raise VaultError(f"object {object_id} was altered (frame {index})") from None
                if last:
                    return
                block, index = following, index + 1

    def seal_bytes(self, context: str, data: bytes) -> bytes:
        """``data`` encrypted under a fresh data key, bound to ``context`` (see the module)."""
        data_key = AESGCM.generate_key(bit_length=256)
        key_nonce, nonce = secrets.token_bytes(_NONCE), secrets.token_bytes(_NONCE)
        key_aad, data_aad = _value_aads(context)
        return b"".join(
            (
                bytes((VALUE_VERSION,)),
                key_nonce,
                self._master.encrypt(key_nonce, data_key, key_aad),
                nonce,
                AESGCM(data_key).encrypt(nonce, data, data_aad),
            )
        )

    def open_bytes(self, context: str, blob: bytes) -> bytes:
        """The value ``seal_bytes(context, ...)`` sealed; VaultError if it was altered, belongs
        to another context or was sealed under another master key."""
        if len(blob) < 1 + _WRAPPED + _NONCE + TAG or blob[0] != VALUE_VERSION:
            raise VaultError("not a sealed value")
        key_aad, data_aad = _value_aads(context)
        wrapped, nonce = blob[1 : 1 + _WRAPPED], blob[1 + _WRAPPED : 1 + _WRAPPED + _NONCE]
        try:
            data_key = self._master.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], key_aad)
            return AESGCM(data_key).decrypt(nonce, blob[1 + _WRAPPED + _NONCE :], data_aad)
        except InvalidTag:
            raise VaultError("a sealed value does not open (altered or moved)") from None

    def seal_text(self, context: str, text: str) -> str:
        """``seal_bytes`` of UTF-8 ``text``, as base64 ASCII for a TEXT column."""
        return base64.b64encode(self.seal_bytes(context, text.encode())).decode("ascii")

    def open_text(self, context: str, token: str) -> str:
        """The text ``seal_text(context, ...)`` sealed."""
        return self.open_bytes(context, decode_token(token)).decode()

    def read(self, object_id: str) -> bytes:
        return b"".join(self.open(object_id))

    def shred(self, object_id: str) -> None:
        """Destroy the data key (the object is unreadable from here on), then the data."""
        data_path, key_path = self._paths(object_id)
        key_path.unlink(missing_ok=True)
        fsync_dir(key_path.parent)
        data_path.unlink(missing_ok=True)
        data_path.with_suffix(".partial").unlink(missing_ok=True)
        fsync_dir(data_path.parent)


def seal_keyed(data_key: bytes, context: str, data: bytes) -> bytes:
    """``data`` under ``data_key`` (a key kept in the vault, ``Vault.create_key``), bound to
    ``context``: ``KEYED_VERSION ‖ nonce ‖ ct``. Shredding the key makes every copy unreadable."""
    nonce = secrets.token_bytes(_NONCE)
    aad = f"intervju-value:{KEYED_VERSION}:{context}".encode()
    return bytes((KEYED_VERSION,)) + nonce + AESGCM(data_key).encrypt(nonce, data, aad)


def open_keyed(data_key: bytes, context: str, blob: bytes) -> bytes:
    """The value ``seal_keyed(data_key, context, ...)`` sealed; VaultError if altered or moved."""
    if len(blob) < 1 + _NONCE + TAG or blob[0] != KEYED_VERSION:
        raise VaultError("not a sealed value")
    aad = f"intervju-value:{KEYED_VERSION}:{context}".encode()
    try:
        return AESGCM(data_key).decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad)
    except InvalidTag:
        raise VaultError("a sealed value does not open (altered or moved)") from None


def decode_token(token: str) -> bytes:
    """The bytes of a sealed value stored as base64 text."""
    try:
        return base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise VaultError("not a sealed value") from None


def _value_aads(context: str) -> tuple[bytes, bytes]:
    """The associated data of a sealed value's key wrap and of its data. Both contain a colon,
    which no object id does, so a value's wrapped key is never taken for an object's."""
    bound = f"{VALUE_VERSION}:{context}".encode()
    return b"intervju-value-key:" + bound, b"intervju-value:" + bound
