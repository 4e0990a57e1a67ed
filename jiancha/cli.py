"""The ``jiancha`` console command: Django's management commands with Jiancha's settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    if len(args) > 1 and args[1] == "demo":
        # The demo serves plain HTTP on the loopback address; see settings.DEPLOYMENT.
        os.environ.setdefault("JIANCHA_DEPLOYMENT", "demo")
    from django.core.management import execute_from_command_line

    args[0] = "jiancha"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
