"""Reading a delivered file into DuckDB as a table of text columns with spreadsheet row numbers.

CSV is read by DuckDB itself (streamed, spilling to disk past its memory limit); GBK and GB18030
files are first transcoded to UTF-8 in chunks. xlsx goes through python-calamine. Row numbers are
those a person sees in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from jiancha.tabular import TableError, detect_encoding

CHUNK = 4 * 1024 * 1024


def quote(name: str) -> str:
    """A SQL identifier: header names come from uploaded files and are never trusted."""
    return '"' + name.replace('"', '""') + '"'


class SourceError(ValueError):
    """The file cannot be read as this feed's file; ``message`` says why, naming the file."""


@dataclass(frozen=True)
class Source:
    table: str  # the DuckDB table holding the rows, with a `_row` column
    columns: list[str]
    rows: int
    encoding: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
                    f"{path.name}: byte {offset + error.start} is not valid {encoding}; the file's encoding is mixed or damaged"
                ) from None
            offset += len(chunk)
        sink.write(decoder.decode(b"", final=True))
    return target


def load(
    connection: duckdb.DuckDBPyConnection, path: Path, file_format: str, work: Path, sheet: int = 0
) -> Source:
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if file_format == "csv":
        return _load_csv(connection, path, work)
    if file_format == "xlsx":
        return _load_xlsx(connection, path, sheet)
    if file_format == "jsonl":
        return _load_jsonl(connection, path)
    raise SourceError(f"{path.name}: format {file_format!r} has its own reader")


def _load_csv(connection: duckdb.DuckDBPyConnection, path: Path, work: Path) -> Source:
    if path.suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
        raise SourceError(f"{path.name}: this feed takes CSV, not a spreadsheet")
    with path.open("rb") as handle:
        sample = handle.read(256 * 1024)
    if not sample.strip():
        raise SourceError(f"{path.name}: the file is empty")
    if sample[:4] == b"PK\x03\x04":
        raise SourceError(f"{path.name}: this is a zip or xlsx file, not CSV")
    try:
        encoding = detect_encoding(sample)
    except TableError as error:
        raise SourceError(f"{path.name}: {error}") from None
    readable = path if encoding in {"utf-8", "ascii"} else _transcode(path, encoding, work)
    try:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE src_raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true, "
            "auto_detect = true, strict_mode = false, null_padding = true, encoding = 'utf-8')",
            [str(readable)],
        )
    except duckdb.Error as error:
        raise SourceError(f"{path.name}: not readable as CSV ({str(error).splitlines()[0]})") from None
    return _numbered(connection, encoding)


def _numbered(connection: duckdb.DuckDBPyConnection, encoding: str) -> Source:
    # rowid is the insertion order of the freshly created table, i.e. the record's place in the
    # file; a view adds the spreadsheet row number without copying the rows.
    columns = [row[0] for row in connection.execute("DESCRIBE src_raw").fetchall()]
    # A UTF-8 byte-order mark survives into the first header name in some files.
    if columns and columns[0].startswith("\ufeff"):
        clean = columns[0].lstrip("\ufeff")
        connection.execute(f"ALTER TABLE src_raw RENAME COLUMN {quote(columns[0])} TO {quote(clean)}")
        columns[0] = clean
    connection.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT rowid + 2 AS _row, * FROM src_raw")
    count = connection.execute("SELECT count(*) FROM src_raw").fetchall()[0]
    return Source("src", [c.strip() for c in columns], int(count[0]) if count else 0, encoding)


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _load_xlsx(connection: duckdb.DuckDBPyConnection, path: Path, sheet: int) -> Source:
    from python_calamine import CalamineWorkbook

    with path.open("rb") as handle:
        head = handle.read(8)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SourceError(
            f"{path.name}: the workbook is password-protected or in the old .xls format; save it as plain xlsx"
        )
    if head[:4] != b"PK\x03\x04":
        raise SourceError(f"{path.name}: not an xlsx file")
    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python()
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise SourceError(
            f"{path.name}: the workbook cannot be read ({error}); it may be truncated"
        ) from None
    if not rows:
        raise SourceError(f"{path.name}: the sheet is empty")
    header = [str(cell).strip() for cell in rows[0]]
    data: dict[str, list[str | None]] = {name: [] for name in header}
    numbers: list[int] = []
    for number, cells in enumerate(rows[1:], start=2):
        texts = [_cell(cell) for cell in cells]
        if not any(texts):
            continue
        numbers.append(number)
        for index, name in enumerate(header):
            data[name].append(texts[index] if index < len(texts) else None)
    table = pa.table(
        {"_row": pa.array(numbers, pa.int64()), **{n: pa.array(v, pa.string()) for n, v in data.items()}}
    )
    connection.register("src_arrow", table)
    connection.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM src_arrow")
    connection.unregister("src_arrow")
    return Source("src", header, len(numbers), "xlsx")


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
                raise SourceError(f"{path.name}: line {number} is not JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise SourceError(f"{path.name}: line {number} is not a JSON object")
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
    connection.register("src_arrow", table)
    connection.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM src_arrow")
    connection.unregister("src_arrow")
    return Source("src", [k for k in keys if k != "_row"], len(records), "utf-8")
