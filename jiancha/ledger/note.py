"""C2SP signed notes, checkpoints and cosignatures (签名记录、检查点、见证副署), with no Django.

- signed-note (https://c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
  one line per signature, ``— <key name> base64(key ID ‖ signature)``. The key ID is the first four
  bytes of SHA-256(name ‖ "\\n" ‖ signature type ‖ public key). Type 0x01 is Ed25519.
- tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text is the origin, the tree size in
  decimal and the base64 root hash, one per line, then optional extension lines.
- tlog-cosignature (https://c2sp.org/tlog-cosignature): a witness signs, with type 0x04,
  "cosignature/v1\\ntime <unix seconds>\\n" followed by the checkpoint text; the signature field
  is key ID ‖ big-endian u64 timestamp ‖ Ed25519 signature.

Keys are written in the forms used by the Go ``note`` package, so other tooling can read them:
verifier key ``<name>+<hex key ID>+base64(type ‖ public key)`` and private key
``PRIVATE+KEY+<name>+<hex key ID>+base64(type ‖ seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .i18n import gettext as _

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIGNATURE_DASH = "\u2014"  # "—", as the spec requires
MAX_SIGNATURES = 100
COSIGNATURE_HEADER = b"cosignature/v1\n"

_B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class NoteError(ValueError):
    """A note, key or checkpoint is malformed, unsigned, or signed by a key that does not verify."""


def b64decode(text: str, what: str) -> bytes:
    if not _B64.match(text) or len(text) % 4:
        raise NoteError(_("%(what)s is not standard base64") % {"what": what})
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise NoteError(_("%(what)s is not standard base64") % {"what": what}) from error


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(_("key name %(name)r must be non-empty, without spaces or '+'") % {"name": name})


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures of one name and type: the log's, or a witness's."""

    name: str
    alg: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(_("unsupported signature type 0x%(alg)02x") % {"alg": self.alg})
        if len(self.public_key) != 32:
            raise NoteError(_("an Ed25519 public key is 32 bytes"))

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64encode(bytes([self.alg]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise NoteError(_("a verifier key has the form name+keyid+key"))
        name, hex_id, encoded = parts
        key = b64decode(encoded, "verifier key")
        if len(key) < 2:
            raise NoteError(_("verifier key too short"))
        verifier = cls(name=name, alg=key[0], public_key=key[1:])
        if len(hex_id) != 8 or hex_id.lower() != hex_id or verifier.key_id.hex() != hex_id:
            raise NoteError(
                _("verifier key for %(name)s: the key ID does not match the key") % {"name": name}
            )
        return verifier

    def check(self, text: bytes, signature: bytes) -> int | None:
        """Verify a signature (without its key ID) over a note text.

        Returns the cosignature's timestamp for type 0x04, None for a plain signature; raises
        NoteError when the signature is malformed or false.
        """
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        timestamp: int | None = None
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                raise NoteError(_("cosignature by %(name)s has the wrong length") % {"name": self.name})
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp >= 1 << 63:
                raise NoteError(
                    _("cosignature by %(name)s has an impossible timestamp") % {"name": self.name}
                )
            message = cosignature_message(text, timestamp)
            signature = signature[8:]
        else:
            if len(signature) != 64:
                raise NoteError(_("signature by %(name)s has the wrong length") % {"name": self.name})
            message = text
        try:
            public.verify(signature, message)
        except InvalidSignature as error:
            raise NoteError(
                _("signature by %(name)s (%(key_id)s) does not verify")
                % {"name": self.name, "key_id": self.key_id.hex()}
            ) from error
        return timestamp


@dataclass(frozen=True)
class Signer:
    """A private key: the log's (type 0x01) or a witness's (type 0x04). Never stored in the database."""

    name: str
    alg: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise NoteError(_("an Ed25519 private key seed is 32 bytes"))

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name=name, alg=alg, seed=seed)

    @property
    def verifier(self) -> Verifier:
        public = _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())
        return Verifier(name=self.name, alg=self.alg, public_key=public)

    def to_string(self) -> str:
        return (
            f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{b64encode(bytes([self.alg]) + self.seed)}"
        )

    @classmethod
    def from_string(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError(_("a private key has the form PRIVATE+KEY+name+keyid+key"))
        raw = b64decode(parts[4], "private key")
        if len(raw) != 33:
            raise NoteError(_("private key has the wrong length"))
        signer = cls(name=parts[2], alg=raw[0], seed=raw[1:])
        if signer.verifier.key_id.hex() != parts[3]:
            raise NoteError(
                _("private key for %(name)s: the key ID does not match the key") % {"name": signer.name}
            )
        return signer

    def sign(self, text: bytes, timestamp: int | None = None) -> bytes:
        """The signature field of a note signature line: key ID ‖ [timestamp ‖] signature."""
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        if self.alg == ALG_COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 1 << 63:
                raise NoteError(_("a cosignature needs a timestamp"))
            body = struct.pack(">Q", timestamp) + private.sign(cosignature_message(text, timestamp))
        else:
            body = private.sign(text)
        return self.verifier.key_id + body

    def signature_line(self, text: str, timestamp: int | None = None) -> str:
        return f"{SIGNATURE_DASH} {self.name} {b64encode(self.sign(text.encode('utf-8'), timestamp))}\n"


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    return COSIGNATURE_HEADER + f"time {timestamp}\n".encode("ascii") + text


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes  # without the key ID

    @property
    def line(self) -> str:
        return f"{SIGNATURE_DASH} {self.name} {b64encode(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class VerifiedSignature:
    signature: Signature
    verifier: Verifier
    timestamp: int | None


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def serialise(self) -> str:
        return self.text + "\n" + "".join(signature.line for signature in self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError(_("a note text must end with a newline"))
    for char in text:
        if (ord(char) < 0x20 and char != "\n") or char == "\x7f":
            raise NoteError(_("a note text must not contain control characters"))


def parse_note(message: str) -> Note:
    """Split a signed note into its text and signature lines; reject anything malformed."""
    if "\r" in message:
        raise NoteError(_("a note must use bare newlines"))
    try:
        message.encode("utf-8")
    except UnicodeError as error:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise NoteError(_("the note is not valid UTF-8 text: %(reason)s") % {"reason": error}) from error
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError(_("a signed note needs a blank line before its signatures"))
    text, block = message[: split + 1], message[split + 2 :]
    _check_text(text)
    if not block.endswith("\n"):
        raise NoteError(_("the signature block must end with a newline (trailing data after it?)"))
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(_("more than %(count)d signatures") % {"count": MAX_SIGNATURES})
    signatures: list[Signature] = []
    for number, line in enumerate(lines, start=1):
        prefix = SIGNATURE_DASH + " "
        if not line.startswith(prefix):
            raise NoteError(
                _("signature line %(number)s is malformed: %(line)s") % {"number": number, "line": line[:60]}
            )
        fields = line[len(prefix) :].split(" ")
        if len(fields) != 2:
            raise NoteError(
                _("signature line %(number)s is malformed: %(line)s") % {"number": number, "line": line[:60]}
            )
        name, encoded = fields
        _check_name(name)
        raw = b64decode(encoded, f"signature line {number}")
        if len(raw) < 5:
            raise NoteError(_("signature line %(number)s is too short") % {"number": number})
        signatures.append(Signature(name=name, key_id=raw[:4], signature=raw[4:]))
    if not signatures:
        raise NoteError(_("a signed note needs at least one signature"))
    return Note(text=text, signatures=tuple(signatures))


def open_note(message: str, verifiers: Iterable[Verifier]) -> tuple[Note, list[VerifiedSignature]]:
    """Parse a note and verify every signature by a known key.

    Signatures by unknown keys are kept but not trusted, as the spec asks. A signature that names a
    known key and fails to verify rejects the whole note; so does a note with no known signature.
    """
    note = parse_note(message)
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    try:
        text = note.text.encode("utf-8")
    except UnicodeError as error:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise NoteError(_("the note is not valid UTF-8 text: %(reason)s") % {"reason": error}) from error
    verified: list[VerifiedSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if (signature.name, signature.key_id) in seen:
            raise NoteError(_("two signatures by the same key %(name)s") % {"name": signature.name})
        seen.add((signature.name, signature.key_id))
        timestamp = verifier.check(text, signature.signature)
        verified.append(VerifiedSignature(signature=signature, verifier=verifier, timestamp=timestamp))
    if not verified:
        names = ", ".join(sorted({s.name for s in note.signatures}))
        raise NoteError(_("no signature by a known key (signed by: %(names)s)") % {"names": names})
    return note, verified


def sign_note(text: str, signers: Sequence[Signer], timestamp: int | None = None) -> str:
    _check_text(text)
    return text + "\n" + "".join(signer.signature_line(text, timestamp) for signer in signers)


# --- checkpoints -----------------------------------------------------------------------------------

_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed statement of its size and root hash (检查点)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError(_("a checkpoint must end with a newline"))
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError(_("a checkpoint has an origin, a size and a root hash"))
        origin, size, root, *extensions = lines
        if not origin or origin != origin.strip():
            raise NoteError(_("the checkpoint origin line is empty or padded"))
        if not _DECIMAL.match(size) or int(size) >= 1 << 64:
            raise NoteError(_("the checkpoint size %(size)s is not a decimal number") % {"size": size[:30]})
        root_hash = b64decode(root, "the checkpoint root hash")
        if len(root_hash) != 32:
            raise NoteError(_("the checkpoint root hash is not 32 bytes"))
        if any(not line for line in extensions):
            raise NoteError(_("a checkpoint must not contain empty lines"))
        return cls(origin=origin, size=int(size), root_hash=root_hash, extensions=tuple(extensions))


@dataclass(frozen=True)
class Cosigner:
    name: str
    key_id: str
    timestamp: int


@dataclass(frozen=True)
class OpenedCheckpoint:
    checkpoint: Checkpoint
    note: Note
    cosigners: tuple[Cosigner, ...]
    unverified: tuple[str, ...]  # names on signatures by keys the reader does not know


def open_checkpoint(
    message: str, log: Verifier, witnesses: Iterable[Verifier] = (), origin: str | None = None
) -> OpenedCheckpoint:
    """Verify a checkpoint's log signature (required) and any cosignatures by known witnesses."""
    if log.alg != ALG_ED25519:
        raise NoteError(
            _("the log key %(name)s is not an Ed25519 signed-note key (type 0x%(alg)02x)")
            % {"name": log.name, "alg": log.alg}
        )
    witness_list = list(witnesses)
    note, verified = open_note(message, [log, *witness_list])
    if not any(v.verifier == log for v in verified):
        raise NoteError(_("the checkpoint is not signed by the log key %(name)s") % {"name": log.name})
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != (origin or log.name):
        raise NoteError(
            _("the checkpoint origin %(origin)r is not %(name)r")
            % {"origin": checkpoint.origin, "name": origin or log.name}
        )
    cosigners = tuple(
        Cosigner(name=v.verifier.name, key_id=v.verifier.key_id.hex(), timestamp=v.timestamp or 0)
        for v in verified
        if v.verifier != log
    )
    known = {(v.signature.name, v.signature.key_id) for v in verified}
    unverified = tuple(s.name for s in note.signatures if (s.name, s.key_id) not in known)
    return OpenedCheckpoint(checkpoint=checkpoint, note=note, cosigners=cosigners, unverified=unverified)
