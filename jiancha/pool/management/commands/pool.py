"""`jiancha pool import FEED FILE`, `pool batches`, `pool rollback ID`, `pool feeds`, `pool load-demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jiancha.pool.demo import load_region, region_files
from jiancha.pool.importer import ImportRefused, import_file, rollback, sync_feeds
from jiancha.pool.models import ImportBatch
from jiancha.pool.schema import feeds


class Command(BaseCommand):
    help = "The data resource pool (数据资源池): import department files, list and roll back batches."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import one file into a feed (all rows or none)")
        imp.add_argument("feed", choices=sorted(feeds()))
        imp.add_argument("file", type=Path)
        imp.add_argument("--by", default="cli", help="who imports (recorded on the batch)")
        sub.add_parser("feeds", help="list the feeds")
        batches = sub.add_parser("batches", help="list recent batches")
        batches.add_argument("--feed")
        batches.add_argument("--limit", type=int, default=30)
        back = sub.add_parser("rollback", help="take a batch out of the pool")
        back.add_argument("batch", type=int)
        demo = sub.add_parser("load-demo", help="import a whole synthetic region (generated if not given)")
        demo.add_argument("--from", dest="region", type=Path, help="a folder written by `jiancha synth`")
        demo.add_argument("--scale", default="county", choices=["tiny", "county", "province"])
        demo.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "feeds":
            for record in sync_feeds().values():
                self.stdout.write(
                    f"{record.code:<18} {record.name}  [{record.department}] every {record.cadence_days} d"
                )
        elif action == "import":
            self._import(options["feed"], options["file"], options["by"])
        elif action == "batches":
            query = ImportBatch.objects.select_related("feed")
            if options["feed"]:
                query = query.filter(feed__code=options["feed"])
            for batch in query[: options["limit"]]:
                self.stdout.write(
                    f"#{batch.pk:<6} {batch.feed.code:<16} {batch.status:<11} {batch.rows_loaded:>9} loaded "
                    f"{batch.rows_rejected:>6} rejected  {batch.file_name}"
                )
        elif action == "rollback":
            try:
                batch = rollback(options["batch"], actor="cli")
            except (ImportRefused, ImportBatch.DoesNotExist) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(self.style.SUCCESS(f"batch {batch.pk} rolled back"))
        else:
            self._load_demo(options["region"], options["scale"], options["seed"])

    def _import(self, feed: str, path: Path, by: str) -> None:
        bar = tqdm(total=1, desc=f"{feed} {path.name}", unit="step", disable=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.set_postfix_str(stage)
            bar.total = max(total, 1)
            bar.n = done
            bar.refresh()

        try:
            outcome = import_file(feed, path, imported_by=by, progress=progress)
        except ImportRefused as refused:
            bar.close()
            raise CommandError(refused.message) from None
        bar.close()
        batch = outcome.batch
        if outcome.unchanged:
            self.stdout.write(f"{path.name}: already imported as batch {batch.pk}; nothing changed")
            return
        tables = ", ".join(f"{name} {count}" for name, count in outcome.table_rows.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"batch {batch.pk}: {batch.rows_loaded} rows loaded, {batch.rows_rejected} rejected ({tables})"
            )
        )
        for reason, count in list(batch.reject_summary.items())[:10]:
            self.stdout.write(f"  rejected {count:>6}  {reason}")

    def _load_demo(self, region: Path | None, scale: str, seed: int) -> None:
        if region is None:
            region = Path(settings.DATA_DIR) / "synth" / f"{scale}-{seed}"
            if not (region / "manifest.json").exists():
                call_command("synth", "--scale", scale, "--seed", str(seed), "--out", str(region))
        files = region_files(region)
        if not files:
            raise CommandError(f"{region}: no feed files found; is this a folder written by `jiancha synth`?")
        bar = tqdm(total=len(files), desc="pool load-demo", unit="file", disable=None)

        def committing(code: str, path: Path) -> None:
            bar.set_postfix_str(f"{code} {path.parent.parent.name}")
            bar.update(1)

        results = load_region(region, on_file=committing)
        bar.close()
        loaded = sum(r.outcome.batch.rows_loaded for r in results if r.outcome)
        rejected = sum(r.outcome.batch.rows_rejected for r in results if r.outcome)
        self.stdout.write(
            self.style.SUCCESS(f"{len(results)} files, {loaded} rows loaded, {rejected} rejected")
        )
        for result in results:
            if result.error:
                self.stderr.write(f"  refused: {result.error}")
