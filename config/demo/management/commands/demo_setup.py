"""First run of the demo: the superuser, and an e-mail rule so that changes are mailed.

``bin/run`` passes the password it keeps for the demo (``DEMO_ADMIN_PASSWORD``) and shows
it in its start-up banner; without one (docker-compose), a password is generated and
printed here, once.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from hub.models import EmailRule

DEMO_RULE_NAME = "Demo: every change to ADMINS"
# Seconds: the demo's mail shows up in the worker log soon after a change, not after the
# hub's default five-minute window.
DEMO_RULE_WINDOW = 30


class Command(BaseCommand):
    help = (
        "On first run, create the demo superuser (DEMO_ADMIN_* settings) and an e-mail rule "
        "that mails every change to ADMINS."
    )

    def handle(self, *args: object, **options: object) -> None:
        if self.create_superuser():
            self.create_email_rule()

    def create_superuser(self) -> bool:
        """Create the demo superuser unless it exists; True when it was created."""
        user_model = get_user_model()
        username = settings.DEMO_ADMIN_USERNAME
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"Demo superuser {username!r} already exists.")
            return False
        password = settings.DEMO_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        user_model._default_manager.create_superuser(username, settings.DEMO_ADMIN_EMAIL, password)
        if settings.DEMO_ADMIN_PASSWORD:
            shown = "password from DEMO_ADMIN_PASSWORD"
        else:
            shown = f"password {password!r}, shown once; set DEMO_ADMIN_PASSWORD to choose it"
        self.stdout.write(
            self.style.SUCCESS(f"Created the demo superuser: username {username!r} ({shown}).")
        )
        return True

    def create_email_rule(self) -> None:
        """A rule for every change, to ADMINS: without a rule the hub mails nobody."""
        if not settings.ADMINS:
            self.stdout.write(
                "ADMINS is empty: no demo e-mail rule. Add one in the admin "
                "(Notification hub > E-mail rules) to have changes mailed."
            )
            return
        rule, _ = EmailRule.objects.get_or_create(
            name=DEMO_RULE_NAME, defaults={"digest_window": DEMO_RULE_WINDOW}
        )
        self.stdout.write(
            f"Created the e-mail rule {rule.name!r}: changes are mailed to "
            f"{', '.join(rule.resolved_recipients())} after {rule.digest_window} s."
        )
