"""Reading a delivered file into DuckDB as a table of text columns with spreadsheet row numbers.

CSV is read by DuckDB itself, as the query normalising it runs (a view: streamed, never copied
into a table first; spilling to disk past its memory limit); GBK and GB18030 files are first
transcoded to UTF-8 in chunks. xlsx goes through python-calamine. Row numbers are those a person
sees in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import itertools
import json
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from jiancha.tabular import TableError, detect_encoding

CHUNK = 4 * 1024 * 1024


def quote(name: str) -> str:
    """A SQL identifier: header names come from uploaded files and are never trusted."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


class SourceError(ValueError):
    """The file cannot be read as this feed's file; ``message`` says why, naming the file."""


@dataclass(frozen=True)
class Source:
    table: str  # the DuckDB table (or view) holding the rows, with a `_row` column
    columns: list[str]
    # None for CSV: its rows are read (and counted) only as they are normalised.
    rows: int | None
    encoding: str
    # No character in the file is full-width or a non-ASCII space: cleaning text needs no folding
    # and trims only ASCII spaces (see normalize.jc_text_plain).
    plain: bool = False
    # A column of ``table`` holding a row's first field past the header's last (CSV), if checked.
    extra: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# UTF-8 lead bytes of every character jc_clean folds or trims besides the ASCII space: U+00A0 (C2),
# U+1680 (E1), U+2000-U+205F (E2), U+3000 (E3), full-width forms U+FF01-U+FF5E (EF).
_FOLDED_LEADS = (b"\xc2", b"\xe1", b"\xe2", b"\xe3", b"\xef")
_FOLDED = (
    b"\xc2\xa0",
    b"\xe1\x9a\x80",
    b"\xe2\x80",
    b"\xe2\x81\x9f",
    b"\xe3\x80\x80",
    b"\xef\xbc",
    b"\xef\xbd",
)


def plain_text(path: Path) -> bool:
    """True when a UTF-8 file has no full-width character and no space but the ASCII one.

    Such a file (most identifier, date and amount files, and many others) is cleaned by a cheaper
    macro with the same result. Searching bytes for a lead byte runs at memory speed; the longer
    sequences are looked for only in a chunk that has one. Conservative: a false "no" only costs time.
    """
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            block = tail + chunk
            if any(lead in block for lead in _FOLDED_LEADS) and any(seq in block for seq in _FOLDED):
                return False
            tail = chunk[-2:]
    return True


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    """Re-encode to UTF-8 in chunks (bounded memory); a bad byte names its position."""
    target = folder / "source.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        while chunk := source.read(CHUNK):
            try:
                sink.write(decoder.decode(chunk))
            except UnicodeDecodeError as error:
                raise SourceError(
                    _(
                        "%(file)s: byte %(byte)d is not valid %(encoding)s; the file's encoding is mixed or damaged"
                    )
                    % {"file": path.name, "byte": offset + error.start, "encoding": encoding}
                ) from None
            offset += len(chunk)
        sink.write(decoder.decode(b"", final=True))
    return target


def load(
    connection: duckdb.DuckDBPyConnection, path: Path, file_format: str, work: Path, sheet: int = 0
) -> Source:
    if not path.exists():
        raise SourceError(_("%(file)s: no such file") % {"file": path})
    if file_format == "csv":
        return _load_csv(connection, path, work)
    if file_format == "xlsx":
        return _load_xlsx(connection, path, sheet)
    if file_format == "jsonl":
        return _load_jsonl(connection, path)
    if file_format == "ocds":
        return _load_ocds(connection, path)
    if file_format == "ftm":
        return _load_ftm(connection, path)
    raise SourceError(
        _("%(file)s: format %(format)s has its own reader") % {"file": path.name, "format": file_format}
    )


def _load_csv(connection: duckdb.DuckDBPyConnection, path: Path, work: Path) -> Source:
    if path.suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
        raise SourceError(_("%(file)s: this feed takes CSV, not a spreadsheet") % {"file": path.name})
    with path.open("rb") as handle:
        sample = handle.read(256 * 1024)
    if not sample.strip():
        raise SourceError(_("%(file)s: the file is empty") % {"file": path.name})
    if sample[:4] == b"PK\x03\x04":
        raise SourceError(_("%(file)s: this is a zip or xlsx file, not CSV") % {"file": path.name})
    try:
        encoding = detect_encoding(sample)
    except TableError as error:
        raise SourceError(f"{path.name}: {error}") from None
    readable = path if encoding in {"utf-8", "ascii"} else _transcode(path, encoding, work)
    if readable is not path:
        with readable.open("rb") as handle:
            sample = handle.read(256 * 1024)
    try:
        reader, columns, extra, header = _csv_reader(connection, str(readable), sample)
    except duckdb.Error as error:
        raise csv_error(error, path.name) from None
    _refuse_repeated_names(columns, header, sample, path.name)
    # Header names as a person reads them: a UTF-8 byte-order mark survives into the first name in
    # some files, and stray spaces around names are common.
    names: list[str] = []
    taken = set(columns)
    for name in columns:
        clean = name.lstrip("\ufeff").strip()
        if not clean or clean == name or clean in taken:
            clean = name
        taken.add(clean)
        names.append(clean)
    # The record's place in the file: a CSV scan delivers rows in file order (insertion order is
    # preserved), and row_number() over them costs next to nothing.
    selected = [f"{quote(name)} AS {quote(clean)}" for name, clean in zip(columns, names, strict=True)]
    if extra is not None and extra.lower() in {name.lower() for name in names}:
        extra = None  # a cleaned header name took it (absurd, but then rows are not checked)
    if extra is not None:
        selected.append(quote(extra))
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW src AS SELECT row_number() OVER () + 1 AS _row, {', '.join(selected)} "
        f"FROM {reader}"
    )
    return Source("src", names, None, encoding, plain_text(readable), extra=extra)


def csv_error(error: duckdb.Error, file: str) -> SourceError:
    """The refusal for a file DuckDB's CSV reader stops on, naming the file."""
    return SourceError(
        _("%(file)s: not readable as CSV (%(error)s)") % {"file": file, "error": str(error).splitlines()[0]}
    )


def _csv_reader(
    connection: duckdb.DuckDBPyConnection, path: str, sample: bytes
) -> tuple[str, list[str], str | None, list[str] | None]:
    """``read_csv(...)`` with the dialect and columns DuckDB's sniffer finds in the file, pinned; the
    file's column names; and the name of one more column the reader gives, past the header's last,
    holding a row's first extra field (None when the header could not be read to check rows); and
    the header line's fields as read with the sniffed dialect (None where that is not plain).

    The reader is bound twice (the view, then the query normalising it) and sniffing costs about
    9 ms whatever the file's size; sniffed once, every value is read as text with what was found.
    One reader thread: DuckDB's parallel CSV scanner refuses a quoted field holding a line break
    when short rows are padded (null_padding), and numbering the rows in file order runs on one
    thread anyway (measured: no slower).
    The header's names are quoted here, never taken from DuckDB's own rendering of the call (which
    does not escape them).
    """
    found = connection.execute(
        "SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns FROM sniff_csv(?, "
        "all_varchar = true, header = true, auto_detect = true, strict_mode = false, null_padding = true, "
        f"encoding = 'utf-8'{_quoting(sample)})",
        [path],
    ).fetchone()
    assert found is not None
    delimiter, quote_char, escape, new_line, comment, skip, sniffed = found

    def text(value: str) -> str:
        return literal("" if value == "(empty)" else value)

    columns = [str(column["name"]) for column in sniffed]
    # A row with more fields than the header names (an unquoted delimiter inside a value shifts the
    # rest of the row) would be read into the header's columns, its last field dropped; one column
    # more catches the first extra field. The sniffer names such fields when its sample has them
    # (column4 …): the header line itself says how many fields are named.
    extra: str | None = None
    header = _header(sample, delimiter, quote_char, escape, skip, comment)
    # Past the header, the sniffer's names are its own (column4 …): anything else, and the header
    # was not read as DuckDB reads it, so rows are not checked.
    if header is not None and all(re.fullmatch(r"column\d+", name) for name in columns[len(header) :]):
        columns = columns[: len(header)]
        # DuckDB's names are case-insensitive: _EXTRA0 in the header takes _extra0.
        taken = {name.lower() for name in columns}
        extra = next(f"_extra{n}" for n in itertools.count() if f"_extra{n}" not in taken)
    types = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in [*columns, *([extra] if extra else [])])
    reader = (
        f"read_csv({literal(path)}, auto_detect = false, header = true, delim = {text(delimiter)}, "
        f"quote = {text(quote_char)}, escape = {text(escape)}, new_line = {text(new_line)}, "
        f"comment = {text(comment)}, skip = {int(skip)}, columns = {{{types}}}, strict_mode = false, "
        "null_padding = true, encoding = 'utf-8', parallel = false)"
    )
    return reader, columns, extra, header


def _header(
    sample: bytes, delimiter: str, quote_char: str, escape: str, skip: int, comment: str
) -> list[str] | None:
    """The fields of the header line, read from the file's start as the sniffer read it; None where
    that is not plain RFC 4180 (lines skipped, comments, another quote or escape, a
    header that does not parse).

    When the sniffer chose (a backslash or an apostrophe early in the file, as in '330102… or
    O'Brien) it may give no quote or no escape: without a quote the header's fields lie between
    delimiters; without an escape the header is counted only if it holds no quote, where quoting
    cannot matter.
    """
    if skip or comment != "(empty)" or len(delimiter) != 1:
        return None
    text = sample.decode("utf-8", errors="replace").lstrip("\ufeff")
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    if quote_char == "(empty)":  # no quoting at all: the fields are what lies between delimiters
        return first_line.split(delimiter)
    if len(quote_char) != 1 or (escape != quote_char and (escape != "(empty)" or quote_char in first_line)):
        return None
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote_char, strict=True))
    except (csv.Error, StopIteration):
        return None


_NUMBERED_NAME = re.compile(r"(.+)_\d+")


def _refuse_repeated_names(columns: list[str], header: list[str] | None, sample: bytes, file: str) -> None:
    """Refuse a header naming two columns alike, as for xlsx: which one a feed means is unknown.

    DuckDB renames the second 号码 to 号码_1 and reads on; only when a name and that name with a
    number after it are both there is the header line itself (``header``, as ``_header`` read it,
    else the file's first line split on its likeliest delimiter) looked at to tell the two apart.
    """
    names = set(columns)
    numbered = (_NUMBERED_NAME.fullmatch(column) for column in columns)
    if not any(match and match.group(1) in names for match in numbered):
        return
    if header is None:
        line = sample.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[0]
        header = next(csv.reader([line], delimiter=max(",\t;|", key=line.count)))
    seen: dict[str, int] = {}
    for index, name in enumerate(name.strip() for name in header):
        if name and name in seen:
            raise SourceError(
                _(
                    "%(file)s: the header names two columns %(name)s (columns %(first)s and %(second)s); rename one"
                )
                % {
                    "file": file,
                    "name": name,
                    "first": column_letters(seen[name]),
                    "second": column_letters(index),
                }
            )
        seen.setdefault(name, index)


def _quoting(sample: bytes) -> str:
    """read_csv options pinning RFC 4180 quoting, unless the file's start hints at another convention.

    DuckDB's sniffer tries every quote and escape character on a sample of rows, which is most of the
    time a small file takes to read (about 60 ms of 70). Files departments export quote with '"' and
    double it inside a field (Excel, WPS, database tools). The sniffer, moreover, decides from its
    sample only: a file whose sample has no quote is read with none, and a quoted field further down
    ("a,b") is then split in two; it also keeps a doubled quote as two. With '"' pinned the delimiter
    and the header are still detected. A file whose start has a backslash or a single quote may use
    either as escape or quote: there the sniffer decides, as before.
    """
    if b"\\" in sample or b"'" in sample:
        return ""
    return ", quote = '\"', escape = '\"'"


def _stage(connection: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Copy rows read in Python into a DuckDB temp table (the Arrow object is not kept)."""
    connection.register(f"{name}_arrow", table)
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT * FROM {quote(name + '_arrow')}"
    )
    connection.unregister(f"{name}_arrow")


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Cell types whose text is str() of the value, never empty. float is not one (12.0 is shown as "12").
_AS_STR = frozenset({int, bool, datetime.datetime, datetime.time, datetime.timedelta})
_NO_TEXT = pa.scalar(None, pa.string())


def _blank_to_null(texts: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(texts, ""), _NO_TEXT, texts)


def _float_texts(cells: Sequence[object]) -> pa.Array:
    numbers = pa.array(cells, pa.float64())
    # A whole number within int64 is printed by Arrow as str(int(value)) prints it; the rest (a
    # fraction, a larger number, inf, nan) keeps Python's own text.
    whole = pc.and_(pc.equal(pc.trunc(numbers), numbers), pc.less(pc.abs(numbers), 2.0**63))
    texts = pc.if_else(whole, pc.if_else(whole, numbers, 0.0).cast(pa.int64()).cast(pa.string()), _NO_TEXT)
    if texts.null_count:
        rest = pc.invert(whole)
        others = [_cell(cell) for cell in itertools.compress(cells, rest.to_pylist())]
        texts = pc.replace_with_mask(texts, rest, pa.array(others, pa.string()))
    return texts


def _texts_of(kind: type, cells: Sequence[object]) -> pa.Array:
    """The texts of cells all of exactly this type, as _cell gives them."""
    if kind is str:
        return _blank_to_null(pa.array(cells, pa.string()))
    if kind is float:
        return _float_texts(cells)
    if kind is datetime.date:
        # Arrow writes a date as str() does (checked for every date of the years 1 to 9999), and
        # about ten times faster: date columns are common, and str() on each was most of their cost.
        return pa.array(cells, pa.date32()).cast(pa.string())
    if kind in _AS_STR:
        return pa.array(list(map(str, cells)), pa.string())
    return pa.array([_cell(cell) for cell in cells], pa.string())


def _texts(cells: Sequence[object]) -> pa.Array:
    """One column's cells as _cell gives them, converted by type rather than cell by cell."""
    try:
        # Most columns hold only text and empty cells: Arrow takes them in one call. Any other type
        # calamine returns is refused (bytes would not be, but calamine never returns bytes).
        texts = pa.array(cells, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        kinds = set(map(type, cells))
        if len(kinds) == 1:
            return _texts_of(kinds.pop(), cells)
        # Several types: each type's texts are put back in their places.
        texts = pa.nulls(len(cells), pa.string())
        for kind in kinds:
            mask = list(map(operator.is_, map(type, cells), itertools.repeat(kind)))
            texts = pc.replace_with_mask(
                texts, pa.array(mask, pa.bool_()), _texts_of(kind, list(itertools.compress(cells, mask)))
            )
        return texts
    return _blank_to_null(texts)


def _transposed(rows: Sequence[Sequence[object]]) -> list[Sequence[object]]:
    """The columns of rows, as long as the longest row; a shorter row has None past its end."""
    widths = set(map(len, rows))
    if len(widths) != 1:
        return list(itertools.zip_longest(*rows))
    # calamine's rows all have the sheet's width: slicing one flat list is several times faster
    # than zip(*rows), which steps through every row's iterator for every column.
    width = widths.pop()
    cells = list(itertools.chain.from_iterable(rows))
    return [cells[column::width] for column in range(width)]


def column_letters(index: int) -> str:
    """A spreadsheet's name of the column at 0-based ``index``: A, B, … Z, AA, AB …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _xlsx_table(
    rows: Sequence[Sequence[object]], *, first_row: int = 1, first_column: int = 0, file: str = ""
) -> tuple[list[str], pa.Table]:
    """The header and the data rows of a sheet read by calamine, as text columns with row numbers.

    ``rows`` start at the sheet's used area: row ``first_row`` (1-based, the header) and column
    ``first_column`` (0-based), so that row numbers and column letters are those a person sees. A
    row with no text in any cell is left out; a row shorter than the header has no text in the
    missing cells. A column whose header cell is blank is not read (no feed column can name it); a
    name given to two columns refuses the file, since which of them the feed means cannot be known.
    """
    header = [(_cell(cell) or "").strip() for cell in rows[0]]
    kept: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name in kept:
            raise SourceError(
                _(
                    "%(file)s: the header names two columns %(name)s (columns %(first)s and %(second)s); rename one"
                )
                % {
                    "file": file,
                    "name": name,
                    "first": column_letters(first_column + kept[name]),
                    "second": column_letters(first_column + index),
                }
            )
        kept[name] = index
    body = rows[1:]
    columns = [_texts(cells) for cells in _transposed(body)]
    numbers = pa.array(range(first_row + 1, first_row + 1 + len(body)), pa.int64())
    # A column that is never empty means no row is: the usual case, and no filtering then. Cells
    # past the header count: such a row is kept, though they are not read.
    if body and all(column.null_count for column in columns):
        shown = pa.array([False] * len(body))
        for column in columns:
            shown = pc.or_(shown, pc.is_valid(column))
        numbers = numbers.filter(shown)
        columns = [column.filter(shown) for column in columns]
    columns += [pa.nulls(len(numbers), pa.string())] * (len(header) - len(columns))
    table = pa.table({"_row": numbers, **{name: columns[index] for name, index in kept.items()}})
    return list(kept), table


def _load_xlsx(connection: duckdb.DuckDBPyConnection, path: Path, sheet: int) -> Source:
    from python_calamine import CalamineWorkbook

    with path.open("rb") as handle:
        head = handle.read(8)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SourceError(
            _("%(file)s: the workbook is password-protected or in the old .xls format; save it as plain xlsx")
            % {"file": path.name}
        )
    if head[:4] != b"PK\x03\x04":
        raise SourceError(_("%(file)s: not an xlsx file") % {"file": path.name})
    try:
        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet)
        # Empty rows and columns before the used area are skipped; ``start`` says where it begins.
        rows = data.to_python()
        first_row, first_column = data.start or (0, 0)
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise SourceError(
            _("%(file)s: the workbook cannot be read (%(error)s); it may be truncated")
            % {"file": path.name, "error": error}
        ) from None
    if not rows:
        raise SourceError(_("%(file)s: the sheet is empty") % {"file": path.name})
    header, table = _xlsx_table(rows, first_row=first_row + 1, first_column=first_column, file=path.name)
    _stage(connection, "src", table)
    return Source("src", header, table.num_rows, "xlsx")


def _load_jsonl(connection: duckdb.DuckDBPyConnection, path: Path) -> Source:
    # Each line becomes one row of text columns; nested values stay as JSON text.
    keys: list[str] = []
    records: list[dict[str, object]] = []
    with path.open("r", encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise SourceError(
                    _("%(file)s: line %(line)d is not JSON (%(error)s)")
                    % {"file": path.name, "line": number, "error": error.msg}
                ) from None
            if not isinstance(record, dict):
                raise SourceError(
                    _("%(file)s: line %(line)d is not a JSON object") % {"file": path.name, "line": number}
                )
            record["_row"] = number
            for key in record:
                if key not in keys:
                    keys.append(key)
            records.append(record)
    columns = {
        key: pa.array(
            [
                None
                if (v := r.get(key)) is None
                else (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v))
                for r in records
            ],
            pa.string(),
        )
        for key in keys
        if key != "_row"
    }
    table = pa.table({"_row": pa.array([r["_row"] for r in records], pa.int64()), **columns})
    _stage(connection, "src", table)
    return Source("src", [k for k in keys if k != "_row"], len(records), "utf-8")


# OCDS compiled releases (JSON lines) flattened into one staging table per kind of fact; each row
# keeps the line number of its release.
OCDS_COLUMNS = {
    "tender": ["ocid", "tender_id", "title", "buyer_id", "buyer_name", "method", "method_details", "category",
               "value", "start_date", "end_date", "number_of_tenderers", "status"],
    "bid": ["ocid", "tender_id", "bid_id", "bidder_id", "bidder_name", "amount", "date", "status"],
    "award": ["ocid", "tender_id", "award_id", "supplier_id", "supplier_name", "amount", "date", "status"],
}  # fmt: skip


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _party_id(party: dict[str, object]) -> str | None:
    identifier = party.get("identifier")
    if isinstance(identifier, dict) and identifier.get("id"):
        return _text(identifier.get("id"))
    return _text(party.get("id"))


def _load_ocds(connection: duckdb.DuckDBPyConnection, path: Path) -> Source:
    staged: dict[str, dict[str, list[object]]] = {
        k: {c: [] for c in ["_row", *cols]} for k, cols in OCDS_COLUMNS.items()
    }

    def add(kind: str, row: int, **values: object) -> None:
        table = staged[kind]
        table["_row"].append(row)
        for column in OCDS_COLUMNS[kind]:
            table[column].append(_text(values.get(column)))

    releases = 0
    with path.open("r", encoding="utf-8-sig") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                release = json.loads(line)
            except json.JSONDecodeError as error:
                raise SourceError(
                    _("%(file)s: line %(line)d is not JSON (%(error)s)")
                    % {"file": path.name, "line": number, "error": error.msg}
                ) from None
            if not isinstance(release, dict) or "ocid" not in release:
                raise SourceError(
                    _("%(file)s: line %(line)d is not an OCDS release (no ocid)")
                    % {"file": path.name, "line": number}
                )
            releases += 1
            tender = release.get("tender") or {}
            buyer = release.get("buyer") or {}
            parties = {p.get("id"): p for p in release.get("parties") or [] if isinstance(p, dict)}
            tender_id = tender.get("id") or release["ocid"]
            period = tender.get("tenderPeriod") or {}
            add(
                "tender", number, ocid=release["ocid"], tender_id=tender_id, title=tender.get("title"),
                buyer_id=_party_id(parties.get(buyer.get("id")) or buyer), buyer_name=buyer.get("name"),
                method=tender.get("procurementMethod"), method_details=tender.get("procurementMethodDetails"),
                category=tender.get("mainProcurementCategory"), value=(tender.get("value") or {}).get("amount"),
                start_date=period.get("startDate"), end_date=period.get("endDate"),
                number_of_tenderers=tender.get("numberOfTenderers"), status=tender.get("status"),
            )  # fmt: skip
            for bid in (release.get("bids") or {}).get("details") or []:
                for tenderer in bid.get("tenderers") or [{}]:
                    party = parties.get(tenderer.get("id"), tenderer)
                    add(
                        "bid", number, ocid=release["ocid"], tender_id=tender_id, bid_id=bid.get("id"),
                        bidder_id=_party_id(party), bidder_name=party.get("name") or tenderer.get("name"),
                        amount=(bid.get("value") or {}).get("amount"), date=bid.get("date"), status=bid.get("status"),
                    )  # fmt: skip
            for award in release.get("awards") or []:
                for supplier in award.get("suppliers") or [{}]:
                    party = parties.get(supplier.get("id"), supplier)
                    add(
                        "award", number, ocid=release["ocid"], tender_id=tender_id, award_id=award.get("id"),
                        supplier_id=_party_id(party), supplier_name=party.get("name") or supplier.get("name"),
                        amount=(award.get("value") or {}).get("amount"), date=award.get("date"), status=award.get("status"),
                    )  # fmt: skip
    if releases == 0:
        raise SourceError(_("%(file)s: the file holds no release") % {"file": path.name})
    for kind, columns in staged.items():
        table = pa.table(
            {
                "_row": pa.array(columns["_row"], pa.int64()),
                **{c: pa.array(columns[c], pa.string()) for c in OCDS_COLUMNS[kind]},
            }
        )
        _stage(connection, f"src_{kind}", table)
    # The tender staging table doubles as `src`, so row counts and tolerance are per release.
    connection.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM src_tender")
    return Source("src", ["ocid"], releases, "utf-8")


# FollowTheMoney entities (JSON lines, as Aleph and OpenSanctions exchange them). Entities are staged
# as they come, then one view per kind of fact reads their properties and resolves references between
# entities (an Ownership's owner is an entity id) to the identifiers the pool keys on: a Person's
# idNumber, a Company's or Organization's registrationNumber. Each row keeps the line number of the
# entity it came from.
FTM_CHUNK = 50_000
FTM_PARTIES = "('Company', 'Organization', 'LegalEntity', 'PublicBody')"


def _ftm_prop(name: str, alias: str | None = None, entity: str = "e") -> str:
    return f"json_extract_string({entity}.properties, '$.{name}[0]') AS {quote(alias or name)}"


FTM_VIEWS = {
    "person": "SELECT e._row, {idNumber}, {name}, CASE json_extract_string(e.properties, '$.gender[0]') "
    "WHEN 'male' THEN '男' WHEN 'female' THEN '女' END AS gender, {birthDate}, {deathDate}, {address}, {phone} "
    "FROM ftm e WHERE e.schema = 'Person'",
    "company": "SELECT e._row, {registrationNumber}, {name}, {incorporationDate}, {dissolutionDate}, {address}, "
    "{sector}, {status}, {legalForm}, {phone} FROM ftm e WHERE e.schema IN ('Company', 'LegalEntity')",
    "ownership": "SELECT e._row, o.key AS owner_key, o.schema AS owner_schema, o.name AS owner_name, "
    "CASE WHEN o.schema = 'Person' THEN o.key END AS owner_person, "
    f"CASE WHEN o.schema IN {FTM_PARTIES} THEN o.key END AS owner_company, "
    "CASE WHEN o.schema = 'Person' THEN '自然人股东' ELSE '企业法人' END AS owner_type, "
    f"a.key AS asset_key, a.schema AS asset_schema, CASE WHEN a.schema IN {FTM_PARTIES} THEN a.key END AS asset_company, "
    "a.name AS asset_name, {percentage}, {sharesValue}, {startDate} "
    "FROM ftm e LEFT JOIN ftm_keys o ON o.id = json_extract_string(e.properties, '$.owner[0]') "
    "LEFT JOIN ftm_keys a ON a.id = json_extract_string(e.properties, '$.asset[0]') WHERE e.schema = 'Ownership'",
    "directorship": "SELECT e._row, d.key AS director_key, d.name AS director_name, o.key AS organization_key, "
    "o.name AS organization_name, {role} FROM ftm e "
    "LEFT JOIN ftm_keys d ON d.id = json_extract_string(e.properties, '$.director[0]') "
    "LEFT JOIN ftm_keys o ON o.id = json_extract_string(e.properties, '$.organization[0]') "
    "WHERE e.schema = 'Directorship'",
    "family": "SELECT e._row, p.key AS person_key, r.key AS relative_key, {relationship} FROM ftm e "
    "LEFT JOIN ftm_keys p ON p.id = json_extract_string(e.properties, '$.person[0]') "
    "LEFT JOIN ftm_keys r ON r.id = json_extract_string(e.properties, '$.relative[0]') WHERE e.schema = 'Family'",
    "employment": "SELECT e._row, p.key AS employee_key, p.name AS employee_name, o.key AS employer_key, "
    "o.name AS employer_name, {role}, {startDate}, {endDate} FROM ftm e "
    "LEFT JOIN ftm_keys p ON p.id = json_extract_string(e.properties, '$.employee[0]') "
    "LEFT JOIN ftm_keys o ON o.id = json_extract_string(e.properties, '$.employer[0]') WHERE e.schema = 'Employment'",
    # FtM gives real estate no owner property; ownership of it is an Ownership entity.
    "realestate": "SELECT e._row, {registrationNumber}, {address}, {area}, {propertyType}, {createdAt}, "
    "o.owner_key, o.owner_name FROM ftm e LEFT JOIN (SELECT * FROM src_ownership WHERE asset_schema = 'RealEstate' "
    "AND owner_schema = 'Person') o ON o.asset_key = json_extract_string(e.properties, '$.registrationNumber[0]') "
    "WHERE e.schema = 'RealEstate'",
    "vehicle": "SELECT e._row, {registrationNumber}, {model}, {type}, o.name AS owner_name, "
    "CASE WHEN o.schema = 'Person' THEN o.key END AS owner_person, "
    f"CASE WHEN o.schema IN {FTM_PARTIES} THEN o.key END AS owner_company FROM ftm e LEFT JOIN ftm_keys o ON o.id = json_extract_string(e.properties, '$.owner[0]') "
    "WHERE e.schema = 'Vehicle'",
}


def _ftm_view(template: str) -> str:
    names = {part.split("}")[0] for part in template.split("{")[1:]}
    return template.format(**{name: _ftm_prop(name) for name in names})


def _ftm_entity(line: str, number: int, name: str) -> tuple[int, str, str, str]:
    try:
        entity = json.loads(line)
    except json.JSONDecodeError as error:
        raise SourceError(
            _("%(file)s: line %(line)d is not JSON (%(error)s)")
            % {"file": name, "line": number, "error": error.msg}
        ) from None
    if (
        not isinstance(entity, dict)
        or not isinstance(entity.get("id"), str)
        or not isinstance(entity.get("schema"), str)
        or not isinstance(entity.get("properties", {}), dict)
    ):
        raise SourceError(
            _(
                "%(file)s: line %(line)d is not a FollowTheMoney entity (it needs an id, a schema and properties)"
            )
            % {"file": name, "line": number}
        )
    properties = entity.get("properties") or {}
    # FtM properties are lists of strings; a lone value is accepted as a list of one.
    clean = {k: (v if isinstance(v, list) else [v]) for k, v in properties.items()}
    return number, entity["id"], entity["schema"], json.dumps(clean, ensure_ascii=False)


def _load_ftm(connection: duckdb.DuckDBPyConnection, path: Path) -> Source:
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE ftm (_row BIGINT, id VARCHAR, schema VARCHAR, properties JSON)"
    )
    chunk: list[tuple[int, str, str, str]] = []
    entities = 0

    def flush() -> None:
        if chunk:
            columns = list(zip(*chunk, strict=True))
            _stage(
                connection,
                "ftm_chunk",
                pa.table(
                    {
                        "_row": pa.array(columns[0], pa.int64()),
                        "id": pa.array(columns[1], pa.string()),
                        "schema": pa.array(columns[2], pa.string()),
                        "properties": pa.array(columns[3], pa.string()),
                    }
                ),
            )
            connection.execute("INSERT INTO ftm SELECT * FROM ftm_chunk")
            chunk.clear()

    with path.open("r", encoding="utf-8-sig") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            chunk.append(_ftm_entity(line, number, path.name))
            entities += 1
            if len(chunk) >= FTM_CHUNK:
                flush()
    flush()
    if entities == 0:
        raise SourceError(_("%(file)s: the file holds no entity") % {"file": path.name})
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE ftm_keys AS SELECT id, schema, "
        "coalesce(json_extract_string(properties, '$.idNumber[0]'), "
        "json_extract_string(properties, '$.registrationNumber[0]')) AS key, "
        "json_extract_string(properties, '$.name[0]') AS name FROM ftm"
    )
    for kind in (
        "person",
        "company",
        "ownership",
        "directorship",
        "family",
        "employment",
        "realestate",
        "vehicle",
    ):
        connection.execute(f"CREATE OR REPLACE TEMP VIEW src_{kind} AS {_ftm_view(FTM_VIEWS[kind])}")
    # Every entity counts once towards the file's rows and the feed's tolerance.
    connection.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT _row FROM ftm")
    return Source("src", [], entities, "utf-8")
