"""Attachment checks (附件检查): type by content, size, and image metadata stripped by re-encoding.

The type is decided by the file's first bytes, never by its name or the browser's claim; the name's
extension must agree with it, so an executable renamed ``photo.jpg`` is refused. Images are decoded
and encoded again with Pillow, which writes no EXIF, GPS or other metadata; the original is kept only
sealed to the intake office's key (actions.py).
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


def max_total_bytes() -> int:
    """A whole request: every file at its limit, plus the form's text."""
    return max_files() * max_bytes() + 1024 * 1024


def max_files_per_report() -> int:
    return int(getattr(settings, "INTAKE_MAX_FILES_PER_REPORT", 20))


def max_bytes_per_report() -> int:
    return int(getattr(settings, "INTAKE_MAX_BYTES_PER_REPORT", 100 * 1024 * 1024))


def too_large(name: str, size: int) -> AttachmentRefused:
    shown = clean_line(PurePath(name.replace("\\", "/")).name)[:200] or "file"
    return AttachmentRefused(
        _("“%(name)s” is %(size)d KB; the limit is %(limit)d KB")
        % {"name": shown, "size": size // 1024, "limit": max_bytes() // 1024}
    )


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


def max_pixels() -> int:
    """Largest image taken, in pixels (width × height): decoding costs memory in proportion."""
    return int(getattr(settings, "INTAKE_MAX_IMAGE_PIXELS", 40_000_000))


def _too_many_pixels(width: int, height: int) -> AttachmentRefused:
    return AttachmentRefused(
        _("the image is %(width)d × %(height)d pixels; the limit is %(limit)d million pixels")
        % {"width": width, "height": height, "limit": max_pixels() // 1_000_000}
    )


def _strip_image(data: bytes, kind: str) -> bytes:
    """Re-encode from the pixels alone, upright: no EXIF, GPS, XMP, ICC or text chunk rides along.

    The size is checked from the header before any pixel is decoded, and Pillow's decompression-bomb
    warning is a refusal, so a small file claiming a huge image costs nothing.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > max_pixels():
                    raise _too_many_pixels(width, height)
                opened.load()
                # Turn the pixels as the EXIF orientation says before the EXIF goes (no copy if upright).
                ImageOps.exif_transpose(opened, in_place=True)
                image: Image.Image = opened
                image.info.clear()  # PNG's writer would otherwise take the ICC profile from here
                if kind == "jpeg" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                if kind == "jpeg":
                    image.save(out, format="JPEG", quality=90)
                else:
                    image.save(out, format="PNG")
    except AttachmentRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise AttachmentRefused(
            _("the image is too large to be opened safely (%(error)s)") % {"error": error}
        ) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise AttachmentRefused(_("the image could not be read: %(error)s") % {"error": error}) from error
    return out.getvalue()


def check_file(name: str, data: bytes) -> CheckedFile:
    """Check one uploaded file; raise ``AttachmentRefused`` naming the file and the reason."""
    shown = clean_line(PurePath(name.replace("\\", "/")).name)[:200] or "file"
    if len(data) > max_bytes():
        raise too_large(name, len(data))
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
