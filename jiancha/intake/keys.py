"""The intake office's key pair (受理机关密钥) and the secrets that stay out of the database.

Reporter identities and original attachments are sealed (NaCl SealedBox: X25519 + XSalsa20-Poly1305)
to the office's public key. The private key lives in a file, mode 0600, under
``$JIANCHA_DATA_DIR/intake/office.key`` or wherever ``JIANCHA_INTAKE_KEY`` points; it is created on
first use, and only then: when reports exist and the file is missing, ``KeyMissing`` is raised (and
the system check ``intake.E001`` fails) rather than a new key silently replacing the lost one. A web server that only receives reports needs only the public key
(``JIANCHA_INTAKE_PUBLIC_KEY``), so a deployment can keep the private key on the intake office's
machines alone (docs/intake.md).

The receipt pepper (``receipt.pepper``) is mixed into every receipt hash: a copy of the database
alone does not allow guessing receipt codes offline.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from nacl.public import PrivateKey, PublicKey, SealedBox

from jiancha.ledger.keys import write_secret_file


class KeyUnavailable(RuntimeError):
    """The private key is not on this machine (a receive-only server)."""


class KeyMissing(KeyUnavailable):
    """A key file is gone while data sealed or hashed with it exists: it must be restored, not remade."""


def _depending_on(path: Path) -> int:
    """How many reports depend on this secret: the pepper hashes every receipt code; the private key
    opens sealed identities and original attachments."""
    from .models import Attachment, Report

    if path.name == "receipt.pepper":
        return Report.objects.count()
    return (
        Report.objects.exclude(identity_sealed=b"").count()
        + Attachment.objects.values("report").distinct().count()
    )


def missing_key_problem() -> str:
    """Why the keys cannot be used as they are, or "" (for the system check and the error)."""
    files = [] if os.environ.get("JIANCHA_INTAKE_PUBLIC_KEY") else [private_key_path()]
    files.append(intake_dir() / "receipt.pepper")
    problems = [
        f"{path} is missing but {reports} report(s) depend on it"
        for path in files
        if not path.exists() and (reports := _depending_on(path))
    ]
    if not problems:
        return ""
    return (
        "; ".join(problems) + ": restore it from the offline backup (a new key would open none of the "
        "sealed data, a new pepper would make every receipt code useless); it is not created again"
    )


def intake_dir() -> Path:
    path = Path(settings.DATA_DIR) / "intake"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_key_path() -> Path:
    return Path(os.environ.get("JIANCHA_INTAKE_KEY") or intake_dir() / "office.key")


def _read_or_create(path: Path, make: bytes) -> bytes:
    """The secret in ``path``, created on first use: only while no report depends on it."""
    if not path.exists():
        reports = _depending_on(path)
        if reports:
            raise KeyMissing(
                f"{path} is missing but {reports} report(s) depend on it; restore it from the backup"
            )
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            write_secret_file(path, make)
    return path.read_bytes()


@cache
def _private_key() -> PrivateKey | None:
    if os.environ.get("JIANCHA_INTAKE_PUBLIC_KEY"):
        return None  # a receive-only server: it seals, it cannot open
    raw = _read_or_create(private_key_path(), base64.b64encode(bytes(PrivateKey.generate())) + b"\n")
    return PrivateKey(base64.b64decode(raw.strip()))


@cache
def public_key() -> PublicKey:
    configured = os.environ.get("JIANCHA_INTAKE_PUBLIC_KEY")
    if configured:
        return PublicKey(base64.b64decode(configured))
    key = _private_key()
    assert key is not None
    return key.public_key


@cache
def receipt_pepper() -> bytes:
    return _read_or_create(intake_dir() / "receipt.pepper", secrets.token_bytes(32))


def seal(data: bytes) -> bytes:
    return SealedBox(public_key()).encrypt(data)


def unseal(data: bytes) -> bytes:
    key = _private_key()
    if key is None:
        raise KeyUnavailable("the intake office's private key is not on this server")
    return SealedBox(key).decrypt(bytes(data))


def seal_json(value: dict[str, Any]) -> bytes:
    return seal(json.dumps(value, ensure_ascii=False).encode())


def unseal_json(data: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(unseal(data))
    return value


def forget_cached_keys() -> None:
    """For tests that change JIANCHA_DATA_DIR or the key settings."""
    for function in (_private_key, public_key, receipt_pepper):
        function.cache_clear()
