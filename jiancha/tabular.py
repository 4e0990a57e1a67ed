"""Reading the tables departments deliver: CSV in any of the usual encodings, or xlsx.

Returns rows as dicts keyed by the header, with the spreadsheet row number (header = row 1) so
that every error can name the row a person sees in Excel.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _


class TableError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass(frozen=True)
class Row:
    number: int  # as the user sees it in a spreadsheet: the header is row 1
    values: dict[str, str]


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK), then a guess."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is not an error of the file.
            if error.start >= len(sample) - 4:
                return encoding
            continue
        return encoding
    guess = from_bytes(sample).best()
    if guess is None:
        raise TableError(_("cannot tell the file's character encoding"))
    return guess.encoding


def read_table(path: Path) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xls", ".xlsm", ".ods"}:
        yield from _read_spreadsheet(path)
    elif suffix in {".csv", ".txt", ".tsv"}:
        yield from _read_csv(path)
    else:
        raise TableError(_("unsupported file type %(suffix)s: use CSV or xlsx") % {"suffix": suffix or "?"})


def _clean_header(header: list[str]) -> list[str]:
    cleaned = [str(cell).strip().lstrip("\ufeff") for cell in header]
    if not any(cleaned):
        raise TableError(_("the first row must name the columns"))
    return cleaned


def _read_csv(path: Path) -> Iterator[Row]:
    with path.open("rb") as raw:
        encoding = detect_encoding(raw.read(256 * 1024))
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        try:
            header = _clean_header(next(reader))
        except StopIteration:
            raise TableError(_("the file is empty")) from None
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            yield Row(
                number, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
            )


def _read_spreadsheet(path: Path) -> Iterator[Row]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise TableError(_("not a readable spreadsheet: %(error)s") % {"error": error}) from None
    sheet = workbook.get_sheet_by_index(0).to_python()
    if not sheet:
        raise TableError(_("the file is empty"))
    header = _clean_header([str(cell) for cell in sheet[0]])
    for number, cells in enumerate(sheet[1:], start=2):
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        yield Row(number, {name: (texts[i] if i < len(texts) else "") for i, name in enumerate(header)})


def _cell_text(cell: object) -> str:
    # Excel stores codes typed as numbers as floats: 330000000000 must not become "330000000000.0".
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip() if cell is not None else ""
