"""`manage.py sla_sweep`: run the deadline sweep now (beat runs it every few minutes)."""

from django.core.management.base import BaseCommand

from permits.services.sla_sweep import sla_sweep


class Command(BaseCommand):
    help = "Send due reminders, escalate missed deadlines, deem tacit approvals, expire permits."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=50)

    def handle(self, *args, **options):
        self.stdout.write("Sweeping deadlines...")
        done = sla_sweep(batch_size=options["batch_size"])
        summary = ", ".join(f"{kind}: {count}" for kind, count in sorted(done.items())) or "nothing was due"
        self.stdout.write(self.style.SUCCESS(f"Done. {summary}."))
