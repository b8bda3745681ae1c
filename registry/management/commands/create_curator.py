"""Create a curator: a staff user (not a superuser) in the "curator" group; or a reviewer."""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry import services

PASSWORD_ENV = "CURATOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a curator account: staff, in the curator group, not a superuser. The password comes "
        f"from --password, else the {PASSWORD_ENV} environment variable, else a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="Asked for when left out.")
        parser.add_argument("--email", default="")
        parser.add_argument("--reviewer", action="store_true",
                            help="A reviewer instead: reads everything, publishes or returns what "
                                 "waits in review, edits nothing.")
        parser.add_argument("--password", help=f"Prefer {PASSWORD_ENV} or the prompt: arguments show up in ps.")

    def handle(self, *args, username: str | None, email: str, password: str | None, reviewer: bool = False,
               **options):
        username = username or self._prompt_username()
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        password = password or os.environ.get(PASSWORD_ENV) or self._prompt()
        user = get_user_model()(username=username, email=email)
        try:
            validate_password(password, user)
            user = services.curator_create(username=username, email=email, password=password, reviewer=reviewer)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        role = "Reviewer" if reviewer else "Curator"
        self.stdout.write(self.style.SUCCESS(f"{role} {user.username} created."))

    def _prompt_username(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("No username: give one, e.g. make curator CURATOR=alice.")
        username = input("Username: ").strip()
        if not username:
            raise CommandError("username: a curator needs a username.")
        return username

    def _prompt(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                "No password: a password is not read from a pipe. Set the "
                f"{PASSWORD_ENV} environment variable (e.g. {PASSWORD_ENV}=... make curator "
                "CURATOR=alice), pass --password, or run the command in a terminal."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return password
