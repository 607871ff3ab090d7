"""``manage.py hub prune [--dry-run]``: the hub's maintenance from a shell."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.retention import prune


class Command(BaseCommand):
    help = "Hub maintenance: prune (delete rows past their retention window)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        prune_parser = commands.add_parser(
            "prune", help="Delete finished rows older than their retention window, in batches."
        )
        prune_parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, action: str, dry_run: bool = False, **options) -> None:
        try:
            report = prune(dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "Would delete" if dry_run else "Deleted"
        for name, count in report.counts.items():
            self.stdout.write(f"{verb} {count} {name}.")
        if not report.counts:
            self.stdout.write("Every retention window is off (None): nothing to prune.")
