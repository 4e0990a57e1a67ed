"""``jiancha cases digest``: print or write each person's deadline digest. Thin: see digest.py."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.cases.digest import digests


class Command(BaseCommand):
    help = _("Leads and cases: the daily deadline digest.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=ArgumentParser)
        digest = sub.add_parser("digest", help=_("overdue and soon-due clocks for each person"))
        digest.add_argument("--date", help=_("the day to compute for (YYYY-MM-DD; default today)"))
        digest.add_argument("--days", type=int, default=7, help=_("how many days ahead count as soon"))
        digest.add_argument("--out", type=Path, help=_("write one file per person into this folder"))
        digest.add_argument("--all", action="store_true", help=_("include people with nothing due"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--date must be YYYY-MM-DD")) from error
        out: Path | None = options["out"]
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        written = 0
        for digest in digests(today, options["days"]):
            if digest.empty and not options["all"]:
                continue
            text = digest.text(today)
            if out is not None:
                (out / f"{digest.user.get_username()}-{today.isoformat()}.txt").write_text(
                    text, encoding="utf-8"
                )
            else:
                self.stdout.write(text)
            written += 1
        self.stderr.write(_("%(n)d digest(s)") % {"n": written})
