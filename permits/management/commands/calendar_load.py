"""`manage.py calendar_load [YEAR ...]`: load statutory holidays for the years named (by default this
year and next), e.g. to prepare a year ahead of the monthly task or after upgrading the package."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from permits.services.calendar import calendar_year_load
from portal.api.errors import DomainError


class Command(BaseCommand):
    # It is the fix for the calendar check's warning: no point printing the warning first.
    requires_system_checks = []
    help = "Load Kazakhstan's statutory holidays for the given years; decree rows are never touched."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="Years to load (default: this year and next).")

    def handle(self, *args, **options):
        this_year = timezone.localdate().year
        years = options["years"] or [this_year, this_year + 1]
        for index, year in enumerate(years, start=1):
            try:
                result = calendar_year_load(actor=None, year=year)
            except DomainError as exc:
                raise CommandError(f"{year}: {exc.detail}") from exc
            self.stdout.write(
                f"[{index}/{len(years)}] {year}: {result.created} created, {result.renamed} renamed, "
                f"{result.removed} removed, {result.kept_decrees} decree rows kept"
            )
        self.stdout.write(self.style.SUCCESS("Done."))
