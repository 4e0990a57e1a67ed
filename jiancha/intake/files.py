"""Attachment checks (附件检查): type by content, size, and image metadata stripped by re-encoding.

The type is decided by the file's first bytes, never by its name or the browser's claim; the name's
extension must agree with it, so an executable renamed ``photo.jpg`` is refused. Images are decoded
and encoded again with Pillow, which writes no EXIF, GPS or other metadata; the original is kept only
sealed to the intake office's key (actions.py).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .text import clean_line

# Accepted kinds: content type and the extensions a file of that kind may carry.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "pdf": ("application/pdf", (".pdf",)),
    "text": ("text/plain", (".txt",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
}
IMAGE_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


class AttachmentRefused(ValueError):
    """A file that is not taken, with the reason in the reader's language."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    cleaned: bytes
    original: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.cleaned).hexdigest()


def max_bytes() -> int:
    return int(getattr(settings, "INTAKE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "INTAKE_MAX_ATTACHMENTS", 5))


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are, or None for anything not accepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Plain text: no control characters besides line breaks and tabs.
    if all(ch in "\n\r\t" or ch >= " " for ch in text):
        return "text"
    return None


def _strip_image(data: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # A new image from the pixels alone: no EXIF, GPS, XMP, ICC or text chunk rides along.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode == "P":
                clean.putpalette(image.getpalette() or [])
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise AttachmentRefused(_("the image could not be read: %(error)s") % {"error": error}) from error
    out = io.BytesIO()
    if IMAGE_FORMATS[kind] == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    if kind == "jpeg":
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG")
    return out.getvalue()


def check_file(name: str, data: bytes) -> CheckedFile:
    """Check one uploaded file; raise ``AttachmentRefused`` naming the file and the reason."""
    shown = clean_line(PurePath(name.replace("\\", "/")).name)[:200] or "file"
    if len(data) > max_bytes():
        raise AttachmentRefused(
            _("“%(name)s” is %(size)d KB; the limit is %(limit)d KB")
            % {"name": shown, "size": len(data) // 1024, "limit": max_bytes() // 1024}
        )
    if not data:
        raise AttachmentRefused(_("“%(name)s” is empty") % {"name": shown})
    kind = sniff(data)
    if kind is None:
        raise AttachmentRefused(
            _("“%(name)s” is not a file type we accept (photos JPEG/PNG, PDF, plain text, Word, Excel)")
            % {"name": shown}
        )
    content_type, extensions = KINDS[kind]
    if PurePath(shown).suffix.lower() not in extensions:
        raise AttachmentRefused(
            _("“%(name)s” does not contain what its name says (its content is %(kind)s)")
            % {"name": shown, "kind": content_type}
        )
    cleaned = _strip_image(data, kind) if kind in IMAGE_FORMATS else data
    return CheckedFile(shown, content_type, cleaned, data)
