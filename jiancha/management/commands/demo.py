"""`jiancha demo`: build (or rebuild) the demo database and serve it at http://127.0.0.1:8000."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jiancha.demo import build_demo


class Command(BaseCommand):
    help = "Build the demo region and its users (one per role), print the passwords, and serve the platform."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="build the demo data and stop")
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="where to serve (default 127.0.0.1:8000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        users = build_demo()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / Demo data ready."))
        self.stdout.write("用户名 username        密码 password")
        for demo_user in users:
            self.stdout.write(f"  {demo_user.username:<20} {demo_user.password}")
        if options["no_serve"]:
            return
        self.stdout.write(f"打开 / open http://{options['addrport']}/")
        call_command("runserver", options["addrport"], use_reloader=False)
