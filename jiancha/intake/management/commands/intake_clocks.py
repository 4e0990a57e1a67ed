"""`jiancha intake_clocks`: compute the clocks left without a due date (run after loading a calendar)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiancha.intake.actions import recompute_clocks
from jiancha.intake.models import Report


class Command(BaseCommand):
    help = "Compute the feedback and transfer clocks whose due date was missing (a calendar not loaded)."

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = recompute_clocks()
        left = Report.objects.exclude(clock_problem="").count()
        self.stdout.write(f"{fixed} report(s) now have their due dates; {left} still have a problem")
