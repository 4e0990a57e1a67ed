"""Translation catalogs: one per app (``jiancha/<app>/locale``) plus the project's own
(``jiancha/locale``: top-level modules and ``jiancha/templates``).

Source strings are English; every one needs a zh-hans translation (the default language).
``python -m jiancha.messages`` refreshes every catalog; ``python -m jiancha.messages --check``
also fails listing each untranslated or fuzzy entry. The test suite runs the check on a copy.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LOCALE = "zh_Hans"


def app_dirs(package: Path = PACKAGE) -> list[Path]:
    """Every app folder (one with an apps.py) below the package."""
    return sorted(path.parent for path in package.glob("*/apps.py"))


def _makemessages(cwd: Path, ignore: list[str]) -> None:
    command = [
        sys.executable, "-m", "django", "makemessages", "-l", LOCALE, "--no-obsolete", "--add-location=file",
        "--ignore=migrations/*", "--ignore=tests/*",
    ] + [f"--ignore={pattern}" for pattern in ignore]  # fmt: skip
    (cwd / "locale").mkdir(exist_ok=True)
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)


def make_all(package: Path = PACKAGE) -> list[Path]:
    """Refresh every catalog under ``package``; return the .po files."""
    apps = app_dirs(package)
    for app in apps:
        _makemessages(app, [])
    _makemessages(package, [f"{app.name}/*" for app in apps])
    return sorted(package.glob(f"**/locale/{LOCALE}/LC_MESSAGES/django.po"))


@dataclass(frozen=True)
class Untranslated:
    catalog: Path
    msgid: str
    reason: str


def untranslated(po_files: list[Path]) -> list[Untranslated]:
    import polib

    problems = []
    for po_file in po_files:
        for entry in polib.pofile(str(po_file)):
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(Untranslated(po_file, entry.msgid, "fuzzy"))
            elif entry.msgid_plural:
                if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                    problems.append(Untranslated(po_file, entry.msgid, "missing plural"))
            elif not entry.msgstr:
                problems.append(Untranslated(po_file, entry.msgid, "missing"))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail on any untranslated or fuzzy entry")
    args = parser.parse_args()
    po_files = make_all()
    problems = untranslated(po_files) if args.check else []
    for problem in problems:
        print(f"{problem.catalog.relative_to(PACKAGE.parent)}: {problem.reason}: {problem.msgid!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
