"""`jiancha intake_purge`: delete reports not accepted whose retention ran out (each in the ledger)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiancha.intake.actions import purge_expired


class Command(BaseCommand):
    help = "Delete reports not accepted whose retention period has run out, recording each in the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="as if today were this date")

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired(options["date"])
        self.stdout.write(
            f"{len(deleted)} report(s) deleted" + (": " + ", ".join(deleted) if deleted else "")
        )
