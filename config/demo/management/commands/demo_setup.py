"""Create the demo superuser on first run and print how to log in."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo superuser once (DEMO_ADMIN_* settings) and print its credentials."

    def handle(self, *args: object, **options: object) -> None:
        user_model = get_user_model()
        username = settings.DEMO_ADMIN_USERNAME
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"Demo superuser {username!r} already exists.")
            return
        password = settings.DEMO_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        user_model._default_manager.create_superuser(username, settings.DEMO_ADMIN_EMAIL, password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the demo superuser: username {username!r}, password {password!r}"
                " (shown once; set DEMO_ADMIN_PASSWORD to choose it)."
            )
        )
