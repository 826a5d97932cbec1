"""``credere user``: users, roles and API tokens."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.adapters import tables
from credere.core.cli import add_actor_argument, resolve_actor
from credere.identity.authz import NotAllowed
from credere.identity.models import ApiToken
from credere.identity.roles import ROLES
from credere.identity.services import (
    IdentityError,
    create_user,
    issue_token,
    revoke_token,
    roles_of,
    set_active,
    set_roles,
)


class Command(BaseCommand):
    help = "Create users, assign roles, issue and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,roles,deactivate,activate,list,token,revoke}")

        def common(p: CommandParser) -> None:
            add_actor_argument(p)
            p.add_argument("--operator", action="store_true",
                           help="Act as the local operator with shell access (audited as system:operator); "
                                "needed only before any administrator exists or to recover access")

        p = sub.add_parser("create", help="Create a user with one or more roles")
        p.add_argument("username")
        p.add_argument("--role", action="append", required=True, choices=list(ROLES),
                       help="Role to give (repeat for several)")
        p.add_argument("--email", default="")
        p.add_argument("--password", help="Password (asked for when omitted and a terminal is attached)")
        common(p)
        p = sub.add_parser("roles", help="Replace a user's roles")
        p.add_argument("username")
        p.add_argument("--role", action="append", required=True, choices=list(ROLES))
        common(p)
        for verb, text in (("deactivate", "Stop a user signing in or using API tokens"),
                           ("activate", "Let a deactivated user back in")):
            p = sub.add_parser(verb, help=text, description=text)
            p.add_argument("username")
            p.add_argument("--reason", default="")
            common(p)
        p = sub.add_parser("list", help="List users and their roles")
        common(p)
        p = sub.add_parser("token", help="Issue an API token for a user (the secret is shown once)")
        p.add_argument("username")
        p.add_argument("--name", default="api", help="What the token is for")
        common(p)
        p = sub.add_parser("revoke", help="Revoke an API token by its prefix")
        p.add_argument("prefix")
        common(p)

    def _actor(self, options: dict[str, Any]) -> Any:
        if options.get("operator"):
            return None
        if not options.get("acting_user"):
            admins = Group.objects.filter(name="administrator").first()
            if admins is None or not admins.user_set.exists():
                return None  # bootstrap: the first administrator is created by the operator
        return resolve_actor(options)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        actor = self._actor(options)
        User = get_user_model()
        user: Any
        try:
            if action == "create":
                password = options.get("password")
                if password is None and self.stdin_is_tty():
                    password = getpass.getpass(f"Password for {options['username']}: ")
                user = create_user(actor=actor, username=options["username"], roles=options["role"],
                                   email=options["email"], password=password)
                self.stdout.write(f"created {user.get_username()} with roles {', '.join(roles_of(user))}")
            elif action == "roles":
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no user '{options['username']}'")
                set_roles(actor=actor, user=user, roles=options["role"])
                self.stdout.write(f"{user.get_username()} now has roles {', '.join(roles_of(user))}")
            elif action in ("deactivate", "activate"):
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no user '{options['username']}'")
                changed = set_active(actor=actor, user=user, active=action == "activate", reason=options["reason"])
                self.stdout.write(f"{user.get_username()} {action}d" if changed else f"{user.get_username()} unchanged")
            elif action == "list":
                if actor is not None and not actor.has_perm("identity.manage_users"):
                    raise NotAllowed(actor, "manage_users")
                rows = [(u.get_username(), u.email, ", ".join(roles_of(u)), "yes" if u.is_active else "no")
                        for u in User.objects.order_by("username")]
                tables.print_table(["user", "email", "roles", "active"], rows)
            elif action == "token":
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no user '{options['username']}'")
                token, secret = issue_token(actor=actor, user=user, name=options["name"])
                self.stdout.write(secret)
                self.stderr.write(f"token '{token.name}' for {user.get_username()} (prefix {token.prefix}); "
                                  "keep the secret above: it is not shown again")
            elif action == "revoke":
                found = ApiToken.objects.filter(prefix=options["prefix"]).first()
                if found is None:
                    raise CommandError(f"no token with prefix '{options['prefix']}'")
                revoke_token(actor=actor, token=found)
                self.stdout.write(f"revoked token {found.prefix}")
        except (IdentityError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
