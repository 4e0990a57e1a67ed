"""Key files (密钥文件): the log's signing key and witnesses' cosigning keys.

Private keys live in files under ``settings.DATA_DIR/ledger`` (or a path given on the command line),
created once with mode 0600, and never in the database or in git. Only public verifier keys are
stored in the database.
"""

from __future__ import annotations

import contextlib
import os
import re
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


def write_private_key(path: Path, signer: Signer) -> None:
    """Write a new key file readable by its owner only; never overwrite an existing key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.to_string() + "\n")
    path.with_suffix(".vkey").write_text(signer.verifier.vkey + "\n")


def read_private_key(path: Path) -> Signer:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise NoteError(
            _("%(path)s is readable by others (mode %(mode)o); chmod 600 it") % {"path": path, "mode": mode}
        )
    return Signer.from_string(path.read_text())


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
    """The log's public key, from ``log.vkey`` so that readers never open the private key."""
    public = log_key_path().with_suffix(".vkey")
    if public.exists():
        verifier = Verifier.from_vkey(public.read_text())
        if verifier.name == settings.JIANCHA_ORIGIN:
            return verifier
    return log_signer().verifier


def new_witness_key(name: str, path: Path | None = None) -> tuple[Path, Signer]:
    signer = Signer.generate(name, ALG_COSIGNATURE_V1)
    target = path or witness_key_path(name)
    write_private_key(target, signer)
    return target, signer
