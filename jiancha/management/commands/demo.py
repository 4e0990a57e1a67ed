"""`jiancha demo`: build (or rebuild) the demo and serve it at http://127.0.0.1:8000."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jiancha.demo import build_demo


class Command(BaseCommand):
    help = (
        "Build the demo: a synthetic region's organisation tree and department data in the pool, one user "
        "per role (passwords printed), then serve the platform."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="build the demo and stop")
        parser.add_argument(
            "--no-pool", action="store_true", help="only the small fixed tree, no synthetic data"
        )
        parser.add_argument(
            "--scale", default="county", choices=["tiny", "county"], help="size of the synthetic region"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="where to serve (default 127.0.0.1:8000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if options["no_pool"]:
            users = build_demo()
        else:
            region = Path(settings.DATA_DIR) / "synth" / f"{options['scale']}-{options['seed']}"
            if not (region / "manifest.json").exists():
                self.stdout.write(f"生成合成数据 / generating the synthetic region → {region}")
                call_command(
                    "synth", "--scale", options["scale"], "--seed", str(options["seed"]), "--out", str(region)
                )
            users = build_demo(org_files=(region / "orgs" / "divisions.csv", region / "orgs" / "units.csv"))
            self._load_pool(region)
            self.stdout.write("实体解析 / resolving people and companies across the feeds")
            call_command("resolve", "run", "--incremental")
            self._load_registry()
            # Run the risk indicators over the pool, so that the demo shows alerts to review.
            call_command("detect", "run", stdout=self.stdout)
        # Sign a checkpoint over everything the demo recorded, as the scheduled job would.
        call_command("ledger", "checkpoint")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / Demo data ready."))
        self.stdout.write("用户名 username        密码 password            管辖 scope")
        for demo_user in users:
            self.stdout.write(f"  {demo_user.username:<20} {demo_user.password:<22} {demo_user.division}")
        if options["no_serve"]:
            return
        self.stdout.write(f"打开 / open http://{options['addrport']}/")
        call_command("runserver", options["addrport"], use_reloader=False)

    def _load_pool(self, region: Path) -> None:
        from jiancha.access.models import User
        from jiancha.pool.demo import load_region
        from jiancha.pool.importer import sync_feeds
        from jiancha.pool.models import Feed

        self.stdout.write("导入数据资源池 / loading the data pool (a file already imported is skipped)")
        results = load_region(
            region, on_file=lambda code, path: self.stdout.write(f"  {code:<18} {path.parent.parent.name}")
        )
        refused = [r for r in results if r.error]
        for result in refused:
            self.stderr.write(f"  refused: {result.error}")
        sync_feeds()
        # The demo liaison works at the civil-affairs bureau and delivers its feeds.
        Feed.objects.filter(code__in=["dibao", "dibao_payments", "deaths"]).update(
            liaison=User.objects.get(username="dept_liaison")
        )

    def _load_registry(self) -> None:
        """The registry of supervised persons from the pool: the HR roster's joins are confirmed by
        the demo analyst (a person, as in production); what payroll alone shows stays awaiting
        confirmation, so the coverage page has a gap to show."""
        from jiancha.synth.model import REFERENCE_DATE

        self.stdout.write("监察对象名录库 / registry of supervised persons")
        call_command(
            "subjects", "refresh", "--on", REFERENCE_DATE.isoformat(), "--by", "demo", stdout=self.stdout
        )
        call_command(
            "subjects", "confirm", "--user", "analyst", "--source", "roster", "--kind", "join",
            "--note", "demo: initial load from the HR roster", stdout=self.stdout,
        )  # fmt: skip
