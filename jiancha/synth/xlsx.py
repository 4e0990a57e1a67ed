"""A small streaming xlsx writer: one sheet of strings, numbers and dates, byte-identical per input
(and ``write_workbook`` for a report of several small sheets).

xlsxwriter spends about 40 µs on a cell, which made the vehicle register and the staff roster a
third of a county's generation time; this writes the same workbook (inline strings, one date style)
straight into the zip stream at a tenth of the cost. Every zip member carries a fixed timestamp, and
the document properties a fixed creation date, so the bytes depend only on the rows.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

_EPOCH = dt.date(1899, 12, 30)  # Excel's day zero (with its 1900 leap-year quirk already absorbed)
_STAMP = (1980, 1, 1, 0, 0, 0)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"""
_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"


def _letters(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


_COLUMNS = [_letters(i) for i in range(64)]


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _row_xml(number: int, cells: list[Any]) -> str:
    """One sheet row: strings inline, dates as day numbers in the date style, numbers as they are."""
    r = str(number)
    parts = [f'<row r="{r}">']
    for index, cell in enumerate(cells):
        if cell is None or cell == "":
            continue
        ref = _COLUMNS[index] + r
        kind = cell.__class__
        if kind is str:
            parts.append(
                f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(cell)}</t></is></c>'
            )
        elif kind is dt.date:
            parts.append(f'<c r="{ref}" s="1"><v>{(cell - _EPOCH).days}</v></c>')
        elif kind is int or kind is float:
            parts.append(f'<c r="{ref}"><v>{cell!r}</v></c>')
        else:
            parts.append(
                f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(str(cell))}</t></is></c>'
            )
    parts.append("</row>")
    return "".join(parts)


class XlsxStream:
    """Rows go straight into the compressed sheet; :meth:`close` finishes the zip."""

    def __init__(self, path: Path, *, title: str, author: str, created: dt.datetime) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            (
                "docProps/core.xml",
                _CORE.format(
                    title=_escape(title),
                    author=_escape(author),
                    created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                ),
            ),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ):
            self._zip.writestr(self._info(name), text)
        self._sheet: IO[bytes] = self._zip.open(self._info("xl/worksheets/sheet1.xml"), "w")
        self._sheet.write(_SHEET_HEAD.encode())
        self._row = 0
        self._buffer: list[str] = []

    @staticmethod
    def _info(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_STAMP)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def write_row(self, cells: list[Any]) -> None:
        self._row += 1
        self._buffer.append(_row_xml(self._row, cells))
        if len(self._buffer) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write("".join(self._buffer).encode())
        self._buffer = []

    def close(self) -> None:
        self._flush()
        self._sheet.write(_SHEET_TAIL.encode())
        self._sheet.close()
        self._zip.close()


_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = (name.translate(_SHEET_NAME_FORBIDDEN).strip("'") or "Sheet")[:31]
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base[: 31 - len(str(n)) - 1]}-{n}"
    taken.add(candidate.lower())
    return candidate


def write_workbook(
    target: Path | IO[bytes],
    sheets: list[tuple[str, Iterable[list[Any]]]],
    *,
    title: str,
    author: str,
    created: dt.datetime,
) -> None:
    """A workbook of several named sheets (a report's tables), in the same cell format as
    :class:`XlsxStream`. Names are made valid (31 characters, no []:*?/\\) and unique."""
    taken: set[str] = set()
    names = [_sheet_name(name, taken) for name, _rows in sheets]
    count = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    content_types = _CONTENT_TYPES.replace(
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
        overrides,
    )
    workbook = _WORKBOOK.replace(
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>',
        "".join(
            f'<sheet name="{_escape(name).replace(chr(34), "&quot;")}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        ),
    )
    relationships = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relationships}"
        f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    core = _CORE.format(
        title=_escape(title), author=_escape(author), created=created.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", _RELS),
            ("docProps/core.xml", core),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", _STYLES),
        ):
            book.writestr(XlsxStream._info(name), text)
        for i, (_name, rows) in enumerate(sheets, start=1):
            body = "".join(_row_xml(n, list(cells)) for n, cells in enumerate(rows, start=1))
            book.writestr(XlsxStream._info(f"xl/worksheets/sheet{i}.xml"), _SHEET_HEAD + body + _SHEET_TAIL)
