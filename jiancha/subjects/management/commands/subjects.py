"""`jiancha subjects refresh`, `subjects confirm`, `subjects coverage`, `subjects staffing`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiancha.access.models import User
from jiancha.orgs.models import Division
from jiancha.subjects import actions, services
from jiancha.subjects.models import Change, ChangeKind, ChangeStatus
from jiancha.subjects.scope import scope_q


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--on {text}: not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "The registry of supervised persons (监察对象名录库): refresh from the pool, confirm, coverage."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="compare the pool with the registry and propose changes")
        refresh.add_argument("--on", help="as of this date (YYYY-MM-DD; default today)")
        refresh.add_argument("--if-due", action="store_true", help="only if new data or the cadence passed")
        refresh.add_argument("--by", default="cli", help="who runs it (recorded in the ledger)")
        confirm = sub.add_parser("confirm", help="confirm pending changes as a named user with the right")
        confirm.add_argument("--user", required=True)
        confirm.add_argument("--kind", choices=ChangeKind.values)
        confirm.add_argument("--source", choices=["roster", "payroll"])
        confirm.add_argument("--note", default="")
        for name in ("coverage", "staffing"):
            figures = sub.add_parser(name)
            figures.add_argument("--division", help="12-digit division code (default: the whole tree)")
            figures.add_argument("--on")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "refresh":
            on = _day(options["on"])
            if options["if_due"] and not actions.refresh_due(on):
                self.stdout.write("not due")
                return
            run = actions.refresh(actor=options["by"], on=on)
            self.stdout.write(
                f"refresh {run.pk} as of {run.as_of}: {run.found} found, {run.proposed} proposed"
            )
        elif action == "confirm":
            self._confirm(options)
        else:
            division = None
            if options["division"]:
                division = Division.objects.filter(code=options["division"]).first()
                if division is None:
                    raise CommandError(f"--division {options['division']}: no such division")
            if action == "coverage":
                self._coverage(services.coverage(division, _day(options["on"])))
            else:
                for row in services.staffing(division, _day(options["on"])):
                    self.stdout.write(
                        f"{row.township.code} {row.township.name}: {row.villages} villages, {row.population} "
                        f"residents, {row.supervisors} supervisors, need {row.needed}, short {row.shortfall}"
                    )

    def _confirm(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"--user {options['user']}: no such user")
        # Only what the user may decide: their area (a review always needs a person's category).
        pending = Change.objects.filter(scope_q(user), status=ChangeStatus.PENDING).exclude(
            kind=ChangeKind.REVIEW
        )
        if options["kind"]:
            pending = pending.filter(kind=options["kind"])
        if options["source"]:
            pending = pending.filter(source=options["source"])
        ids = list(pending.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("nothing pending")
            return
        try:
            decided = actions.decide(user, ids, confirm=True, note=options["note"])
        except actions.SubjectsRefused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"{len(decided)} change(s) confirmed by {user.username}")

    def _coverage(self, c: services.Coverage) -> None:
        self.stdout.write(
            f"coverage on {c.on}: {c.total.covered}/{c.total.found} = {c.total.percent} (target 98%)"
        )
        self.stdout.write(
            f"registry {c.registry_size}, at pilot start {c.base_size}: {c.scope_percent} (target 150%)"
        )
        for title, shares in (
            ("category", c.by_category),
            ("region", c.by_region),
            ("unit type", c.by_unit_type),
        ):
            self.stdout.write(f"by {title}:")
            for s in shares:
                self.stdout.write(f"  {s.label}: {s.covered}/{s.found} {s.percent}")
        self.stdout.write(f"gap: {len(c.gap)}")
        for h in c.gap[:50]:
            self.stdout.write(f"  {h.name} {h.unit_name} category {h.category} ({h.source}, {h.rule_code})")
