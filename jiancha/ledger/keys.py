"""Key files (密钥文件): the log's signing key and witnesses' cosigning keys.

Private keys live in files under ``settings.DATA_DIR/ledger`` (or a path given on the command line),
created once with mode 0600, and never in the database or in git. Only public verifier keys are
stored in the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from .i18n import gettext as _
from .note import ALG_COSIGNATURE_V1, ALG_ED25519, NoteError, Signer, Verifier

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ledger_dir() -> Path:
    path = Path(settings.DATA_DIR) / "ledger"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def log_key_path() -> Path:
    return Path(os.environ.get("JIANCHA_LEDGER_KEY", ledger_dir() / "log.key"))


def witness_key_path(name: str) -> Path:
    return ledger_dir() / "witnesses" / (_SAFE.sub("_", name) + ".key")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_secret_file(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, mode 0600, complete or not at all; FileExistsError if it exists.

    The data is written and synced in a temporary file first and then hard-linked into place, which
    fails if the name exists: a concurrent reader never sees an empty or half-written key, and two
    processes racing to create it end up with one key, the first one linked.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_dir(path.parent)


def _write_public(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def write_private_key(path: Path, signer: Signer) -> None:
    """Write a new key file readable by its owner only; never overwrite an existing key."""
    write_secret_file(path, (signer.to_string() + "\n").encode("utf-8"))
    _write_public(path.with_suffix(".vkey"), signer.verifier.vkey + "\n")


def _read_secret(path: Path, attempts: int = 20) -> bytes:
    """A key file's bytes, refusing one readable by others; retried briefly while it is empty."""
    for attempt in range(attempts):
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise NoteError(
                _("%(path)s is readable by others (mode %(mode)o); chmod 600 it")
                % {"path": path, "mode": mode}
            )
        data = path.read_bytes()
        if data.strip() or attempt == attempts - 1:
            return data
        time.sleep(0.05)  # a key written by an older version in two steps
    return b""


def read_private_key(path: Path) -> Signer:
    return Signer.from_string(_read_secret(path).decode("utf-8"))


def log_signer(create: bool = True) -> Signer:
    """The log's key, named after the supervising body (settings.JIANCHA_ORIGIN); made on first use."""
    path = log_key_path()
    if not path.exists():
        if not create:
            raise NoteError(_("no log key at %(path)s") % {"path": path})
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            write_private_key(path, Signer.generate(settings.JIANCHA_ORIGIN, ALG_ED25519))
    signer = read_private_key(path)
    if signer.name != settings.JIANCHA_ORIGIN or signer.alg != ALG_ED25519:
        raise NoteError(
            _("the log key %(path)s is for %(name)r, not %(origin)r")
            % {"path": path, "name": signer.name, "origin": settings.JIANCHA_ORIGIN}
        )
    return signer


def log_verifier() -> Verifier:
    """The log's public key, from ``log.vkey`` only: readers (the web process) never open or make
    the private key."""
    public = log_key_path().with_suffix(".vkey")
    try:
        text = public.read_text().strip()
    except FileNotFoundError:
        raise NoteError(
            _("no log verifier key at %(path)s: run “jiancha ledger keygen” first") % {"path": public}
        ) from None
    verifier = Verifier.from_vkey(text)
    if verifier.name != settings.JIANCHA_ORIGIN or verifier.alg != ALG_ED25519:
        raise NoteError(
            _("the log verifier key %(path)s is for %(name)r, not %(origin)r")
            % {"path": public, "name": verifier.name, "origin": settings.JIANCHA_ORIGIN}
        )
    return verifier


SALT_KEY_SIZE = 32


def salt_key_path() -> Path:
    return ledger_dir() / "salt.key"


def salt_key(create: bool = True) -> bytes:
    """The secret that derives each event's salt (HMAC-SHA256 of its ID); never in the database.

    Made once, mode 0600, like the signing key; cached per path, since every append needs it.
    """
    path = salt_key_path()
    cached = _SALT_KEYS.get(path)
    if cached is not None:
        return cached
    if not path.exists():
        if not create:
            raise NoteError(_("no ledger salt key at %(path)s") % {"path": path})
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            write_secret_file(path, secrets.token_bytes(SALT_KEY_SIZE))
    key = _read_secret(path)
    if len(key) != SALT_KEY_SIZE:
        raise NoteError(_("the ledger salt key %(path)s is damaged") % {"path": path})
    _SALT_KEYS[path] = key
    return key


_SALT_KEYS: dict[Path, bytes] = {}


def new_witness_key(name: str, path: Path | None = None) -> tuple[Path, Signer]:
    signer = Signer.generate(name, ALG_COSIGNATURE_V1)
    target = path or witness_key_path(name)
    write_private_key(target, signer)
    return target, signer
