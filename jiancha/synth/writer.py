"""Writing department feeds the way departments deliver them, with the mess real feeds carry.

A :class:`Table` streams rows to CSV (UTF-8 or GBK), xlsx or JSON lines, applies the file's
:class:`Mess` (blank fields, duplicated rows, several date formats, full-width digits, stray spaces,
names spelled differently, a few invalid identifiers), records the true person behind every person
column (the identity key) and, when closed, gives its manifest entry with row count and checksum.

Row numbers are those a person sees: in CSV and xlsx the header is row 1 and the first record row 2
(as :mod:`jiancha.tabular` numbers them); in JSON lines the first line is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ids
from .names import pinyin, traditional, typo
from .rng import stream
from .xlsx import XlsxStream

# A fixed workbook creation time: xlsx bytes must not depend on when they were made.
XLSX_CREATED = dt.datetime(2026, 1, 5, 9, 0, 0)
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True)
class Col:
    """A column: its header and what it holds (decides which mess applies to it).

    kinds: text, name (a person's name), id (resident ID), uscc, date, datetime, money, int, phone.
    ``optional`` columns may be left blank in a messy file.
    """

    name: str
    kind: str = "text"
    optional: bool = False
    type_of: str = ""  # for kind "partyid": the column saying whether it is a resident ID or a USCC


@dataclass(frozen=True)
class Mess:
    """How untidy one file is; rates are per row (or per person, for name spellings)."""

    blank: float = 0.0
    duplicate: float = 0.0
    fullwidth: float = 0.0
    spaces: float = 0.0
    traditional: float = 0.0
    pinyin: float = 0.0
    typo: float = 0.0
    invalid_id: float = 0.0
    legacy_id: float = 0.0
    date_styles: tuple[str, ...] = ("iso",)
    alt_date: float = 0.0


CLEAN = Mess()


def format_date(value: dt.date, style: str) -> str:
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "compact":
        return f"{value:%Y%m%d}"
    if style == "cn":
        return f"{value.year}年{value.month}月{value.day}日"
    if style == "dot":
        return f"{value:%Y.%m.%d}"
    return value.isoformat()


@functools.lru_cache(maxsize=4096)
def _date_text(value: dt.date, style: str) -> str:
    return format_date(value, style)


def format_datetime(value: dt.datetime, style: str) -> str:
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day} {value.hour:02d}:{value.minute:02d}"
    if style == "compact":
        return value.isoformat("T", "seconds").replace("-", "").replace(":", "").replace("T", "")
    return value.isoformat(" ", "seconds")


@dataclass
class Invalid:
    """A deliberately invalid identifier, listed in the manifest."""

    file: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Entry:
    """One manifest entry."""

    path: str
    format: str
    encoding: str
    department: str
    description: str
    rows: int
    columns: list[str]
    id_columns: list[str]
    uscc_columns: list[str]
    typed_id_columns: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    sha256: str = ""
    bytes: int = 0


@dataclass
class Sink:
    """What every table of one county reports into: invalid identifiers and the identity key."""

    identity: io.TextIOBase
    invalid: list[Invalid] = field(default_factory=list)
    typos: dict[str, str] = field(default_factory=dict)


class Table:
    """One output file, written row by row."""

    def __init__(
        self,
        root: Path,
        path: str,
        columns: list[Col],
        *,
        fmt: str,
        sink: Sink,
        seed: int,
        department: str,
        description: str,
        mess: Mess = CLEAN,
    ) -> None:
        self.root, self.path, self.columns, self.fmt, self.sink, self.mess = (
            root,
            path,
            columns,
            fmt,
            sink,
            mess,
        )
        self.rng = stream(seed, "mess", path)
        self.row = 1 if fmt != "jsonl" else 0
        self.duplicates = 0
        self.department, self.description = department, description
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        self._csv: Any = None
        self._handle: Any = None
        self._book: Any = None
        if fmt in ("csv", "csv-gbk"):
            self.encoding = "gbk" if fmt == "csv-gbk" else "utf-8"
            self._handle = target.open("w", encoding=self.encoding, newline="")
            self._csv = csv.writer(self._handle)
            self._csv.writerow([col.name for col in columns])
        elif fmt == "xlsx":
            self.encoding = "xlsx"
            self._book = XlsxStream(target, title=description, author=department, created=XLSX_CREATED)
            self._book.write_row([col.name for col in columns])
        elif fmt == "jsonl":
            self.encoding = "utf-8"
            self._handle = target.open("w", encoding="utf-8", newline="\n")
        else:
            raise ValueError(fmt)
        self._by_kind: dict[str, list[int]] = {}
        for index, col in enumerate(columns):
            self._by_kind.setdefault(col.kind, []).append(index)
        self._optional = [i for i, col in enumerate(columns) if col.optional]
        self._messy = mess != CLEAN
        kind = self._by_kind.get
        self._dates, self._datetimes, self._money = kind("date", []), kind("datetime", []), kind("money", [])
        self._names, self._ids, self._usccs = kind("name", []), kind("id", []), kind("uscc", [])
        self._phones, self._texts = kind("phone", []), kind("text", [])
        self._style, self._alt_styles = mess.date_styles[0], mess.date_styles[1:]
        self._xlsx = fmt == "xlsx"
        self._id_cut = mess.invalid_id + mess.legacy_id + mess.fullwidth + mess.spaces
        self._spelled: dict[str, str] = {}

    # -- writing -----------------------------------------------------------------------------

    def write(
        self, values: list[Any], persons: dict[str, str] | None = None, *, protect: bool = False
    ) -> int:
        """Write one record; return its row number. ``persons`` maps a name column to the true person.

        ``protect`` keeps a planted scheme's row free of blanks and invalid identifiers (its pattern
        must stay visible); spelling variants and date formats still apply.
        """
        self.row += 1
        invalid = len(self.sink.invalid)
        cells = self._render(values, persons, protect)
        self._emit(cells)
        self._identity(persons)
        number = self.row
        if self._messy and not protect and self.rng.random() < self.mess.duplicate:
            # A re-sent or re-keyed record: the same cells again on the next row.
            self.row += 1
            self.duplicates += 1
            self._emit(cells)
            self._identity(persons)
            for item in list(self.sink.invalid[invalid:]):
                self.sink.invalid.append(Invalid(item.file, self.row, item.column, item.value, item.reason))
        return number

    def write_json(self, record: dict[str, Any]) -> int:
        self.row += 1
        self._handle.write(
            json.dumps(record, ensure_ascii=False, sort_keys=False, separators=(",", ":")) + "\n"
        )
        return self.row

    def _identity(self, persons: dict[str, str] | None) -> None:
        if persons:
            for column, person in persons.items():
                self.sink.identity.write(f"{self.path},{self.row},{column},{person}\n")

    def _emit(self, cells: list[Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(cells)
        else:
            self._book.write_row(cells)

    def _render(self, values: list[Any], persons: dict[str, str] | None, protect: bool) -> list[Any]:
        mess, rng, cells = self.mess, self.rng, values
        for index in self._dates:
            value = cells[index]
            if value.__class__ is dt.date:
                style = self._style
                if self._alt_styles and rng.random() < mess.alt_date:
                    style = rng.choice(self._alt_styles)
                if style == "excel":
                    if self._xlsx:
                        continue
                    style = "iso"
                cells[index] = _date_text(value, style)
        for index in self._datetimes:
            value = cells[index]
            if value.__class__ is dt.datetime:
                style = self._style
                if self._alt_styles and rng.random() < mess.alt_date:
                    style = rng.choice(self._alt_styles)
                cells[index] = format_datetime(value, style)
        if not self._xlsx:
            for index in self._money:
                value = cells[index]
                if value.__class__ is float:
                    cells[index] = f"{value:.2f}"
        if not self._messy:
            return cells
        # Blanks first, so that a deliberately broken identifier is never blanked out of the list.
        if not protect and mess.blank:
            for index in self._optional:
                if rng.random() < mess.blank:
                    cells[index] = ""
        if persons:
            for index in self._names:
                person = persons.get(self.columns[index].name)
                if person and cells[index].__class__ is str:
                    cells[index] = self._spell(cells[index], person)
        for index in self._ids:
            value = cells[index]
            if value.__class__ is not str or len(value) != 18:
                continue
            draw = rng.random()
            if draw >= self._id_cut:
                continue
            if not protect and draw < mess.invalid_id:
                broken, reason = ids.broken_resident_id(value, rng)
                self.sink.invalid.append(
                    Invalid(self.path, self.row, self.columns[index].name, broken, reason)
                )
                cells[index] = broken
            elif draw < mess.invalid_id + mess.legacy_id:
                if value[6:8] == "19" and value[8:10] < "80":
                    cells[index] = ids.legacy_15(value)
            elif draw < mess.invalid_id + mess.legacy_id + mess.fullwidth:
                cells[index] = value.translate(FULLWIDTH)
            else:
                cells[index] = f" {value[:6]} {value[6:]}" if rng.random() < 0.5 else value.lower() + " "
        for index in self._usccs:
            value = cells[index]
            if value.__class__ is not str or len(value) != 18:
                continue
            draw = rng.random()
            if not protect and draw < mess.invalid_id:
                broken, reason = ids.broken_uscc(value, rng)
                self.sink.invalid.append(
                    Invalid(self.path, self.row, self.columns[index].name, broken, reason)
                )
                cells[index] = broken
            elif draw < mess.invalid_id + mess.spaces:
                cells[index] = " " + value
        if mess.fullwidth:
            for index in self._phones:
                value = cells[index]
                if value.__class__ is str and rng.random() < mess.fullwidth:
                    cells[index] = value.translate(FULLWIDTH)
        if mess.spaces:
            for index in self._texts:
                value = cells[index]
                if value.__class__ is str and value and rng.random() < mess.spaces:
                    cells[index] = value + " " if rng.random() < 0.5 else " " + value
        return cells

    def _spell(self, name: str, person: str) -> str:
        """One department spells one person one way: the variant is fixed per (file, person)."""
        known = self._spelled.get(person)
        if known is None:
            known = self._spelled[person] = self._variant(name, person)
        return known

    def _variant(self, name: str, person: str) -> str:
        mess = self.mess
        u = zlib.crc32(f"{self.path}|{person}".encode()) / 0xFFFFFFFF
        if u < mess.traditional:
            return traditional(name)
        u -= mess.traditional
        if u < mess.pinyin:
            return pinyin(name)
        u -= mess.pinyin
        if u < mess.typo:
            return typo(name, self.sink.typos, random.Random(zlib.crc32(person.encode())))
        u -= mess.typo
        if u < mess.spaces and len(name) == 2:
            return name[0] + " " + name[1]  # two-character names are often padded to align in forms
        return name

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> Entry:
        if self._handle is not None:
            self._handle.close()
        if self._book is not None:
            self._book.close()
        target = self.root / self.path
        digest = hashlib.sha256()
        with target.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        records = self.row - (1 if self.fmt != "jsonl" else 0)
        return Entry(
            path=self.path,
            format=self.fmt,
            encoding=self.encoding,
            department=self.department,
            description=self.description,
            rows=records,
            columns=[col.name for col in self.columns],
            id_columns=[self.columns[i].name for i in self._by_kind.get("id", ())],
            uscc_columns=[self.columns[i].name for i in self._by_kind.get("uscc", ())],
            typed_id_columns={
                self.columns[i].name: self.columns[i].type_of for i in self._by_kind.get("partyid", ())
            },
            duplicates=self.duplicates,
            sha256=digest.hexdigest(),
            bytes=target.stat().st_size,
        )
