"""`manage.py verify_audit`: walk the audit chain; exit non-zero naming the first bad event."""

from django.core.management.base import BaseCommand, CommandError

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; fails naming the first event that breaks it."

    def handle(self, *args, **options):
        total = AuditEvent.objects.count()
        self.stdout.write(f"Verifying {total} audit events...")

        def progress(done: int) -> None:
            self.stdout.write(f"  {done}/{total} verified")

        checked, broken = verify_chain(progress=progress)
        if broken is not None:
            raise CommandError(f"Audit chain broken at event #{broken.event_id}: {broken.reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
