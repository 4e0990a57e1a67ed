"""`jiancha orgs import-divisions FILE` and `jiancha orgs import-units FILE` (CSV or xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiancha.orgs.services import ImportRejected, import_divisions, import_units


class Command(BaseCommand):
    help = "Import the organisation tree: divisions (行政区划) or units (单位), all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("import-divisions", "divisions: code, name[, kind, population, parent_code]"),
            ("import-units", "units: name, unit_type, division_code[, parent, uscc]"),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        importer = import_divisions if options["action"] == "import-divisions" else import_units
        try:
            result = importer(options["file"])
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{options['file']}: {len(rejected.errors)} error(s); nothing was imported"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"{result.file}: {result.created} created, {result.updated} updated")
        )
