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
from django.utils.translation import gettext as _

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
    try:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE src_raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true, "
            "auto_detect = true, strict_mode = false, null_padding = true, encoding = 'utf-8')",
            [str(readable)],
        )
    except duckdb.Error as error:
        raise SourceError(
            _("%(file)s: not readable as CSV (%(error)s)")
            % {"file": path.name, "error": str(error).splitlines()[0]}
        ) from None
    return _numbered(connection, encoding)


def _numbered(connection: duckdb.DuckDBPyConnection, encoding: str) -> Source:
    # rowid is the insertion order of the freshly created table, i.e. the record's place in the
    # file; a view adds the spreadsheet row number without copying the rows.
    columns = [row[0] for row in connection.execute("DESCRIBE src_raw").fetchall()]
    # Header names as a person reads them: a UTF-8 byte-order mark survives into the first name in
    # some files, and stray spaces around names are common.
    taken = set(columns)
    for index, name in enumerate(columns):
        clean = name.lstrip("\ufeff").strip()
        if clean and clean != name and clean not in taken:
            connection.execute(f"ALTER TABLE src_raw RENAME COLUMN {quote(name)} TO {quote(clean)}")
            taken.add(clean)
            columns[index] = clean
    connection.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT rowid + 2 AS _row, * FROM src_raw")
    count = connection.execute("SELECT count(*) FROM src_raw").fetchall()[0]
    return Source("src", columns, int(count[0]) if count else 0, encoding)


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
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python()
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise SourceError(
            _("%(file)s: the workbook cannot be read (%(error)s); it may be truncated")
            % {"file": path.name, "error": error}
        ) from None
    if not rows:
        raise SourceError(_("%(file)s: the sheet is empty") % {"file": path.name})
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
    _stage(connection, "src", table)
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
