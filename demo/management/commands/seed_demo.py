"""`manage.py seed_demo`: the demo catalogue, authorities, officials, entrepreneurs, council and API client."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the demo data listed in the README (idempotent; development only)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a published password; it never runs in production."
            )
        self.stdout.write("Seeding demo data...")
        created = seed_demo(out=self.stdout.write)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {created} objects created."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present: nothing to do."))
        self.stdout.write(f"Every demo account's password is {settings.DEMO_PASSWORD!r}.")
