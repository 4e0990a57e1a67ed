"""Loading a whole synthetic region (jiancha synth) into the pool, feed by feed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .importer import ImportOutcome, ImportRefused, import_files
from .schema import feeds


@dataclass(frozen=True)
class LoadResult:
    feed: str
    file: str
    outcome: ImportOutcome | None
    error: str = ""


def region_files(region: Path, only: set[str] | None = None) -> list[tuple[str, Path]]:
    """(feed, file) for every feed's (or the ``only`` feeds') demo files in every county folder, in a
    stable order."""
    found = []
    for code, feed in sorted(feeds().items()):
        if only is not None and code not in only:
            continue
        for pattern in feed.demo_files:
            for path in sorted(region.glob(f"*/{pattern}")):
                found.append((code, path))
    return found


def load_region(
    region: Path,
    *,
    imported_by: str = "demo",
    on_file: Callable[[str, Path], None] | None = None,
    only: set[str] | None = None,
    workers: int | None = None,
) -> list[LoadResult]:
    """Import every feed file of a region (or of the given feeds only), in ``region_files`` order,
    several files prepared at once (``import_files``); a refused file is reported and the others
    still load."""
    files = [
        (code, path, f"{path.parent.parent.name}/{path.parent.name}/{path.name}")
        for code, path in region_files(region, only)
    ]
    display = {path: name for _code, path, name in files}
    results = []
    for code, path, outcome in import_files(files, imported_by=imported_by, workers=workers, on_file=on_file):
        if isinstance(outcome, ImportRefused):
            results.append(LoadResult(code, display[path], None, outcome.message))
        else:
            results.append(LoadResult(code, display[path], outcome))
    return results
