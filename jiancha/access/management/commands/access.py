"""`jiancha access token USER --name NAME` issues an API token; `jiancha access grant USER ROLE`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiancha.access.models import User
from jiancha.access.roles import ROLE_BY_CODE
from jiancha.access.services import assign_role, issue_token, revoke_tokens


class Command(BaseCommand):
    help = "Manage API tokens and roles."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="issue an API token (shown once)")
        token.add_argument("username")
        token.add_argument("--name", default="cli")
        revoke = sub.add_parser("revoke", help="revoke a user's API tokens")
        revoke.add_argument("username")
        grant = sub.add_parser("grant", help="give a user a role")
        grant.add_argument("username")
        grant.add_argument("role", choices=sorted(ROLE_BY_CODE))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no user {options['username']!r}") from None
        if options["action"] == "token":
            self.stdout.write(issue_token(user, options["name"]))
        elif options["action"] == "revoke":
            self.stdout.write(f"{revoke_tokens(user)} token(s) revoked")
        else:
            assign_role(user, options["role"])
            self.stdout.write(f"{user.username}: role {options['role']} granted")
