"""Loads this year's and next year's statutory holidays, so that a database that never ran seed_demo
has a calendar. "This year" is read from the clock when the migration runs: that is the only choice a
new installation can make, and the task that loads ahead (permits.tasks.calendar_load_ahead) takes over
from there. Safe on a database that already has rows: decree rows are kept, statute rows are synced.
No audit event: the chain is written by services on the current models, which a migration must not
use; the row's `source` says where it came from."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from permits.calendar import statute_rows_sync, statutory_holidays

    holiday = apps.get_model("permits", "Holiday")
    year = timezone.localdate().year
    for each in (year, year + 1):
        statute_rows_sync(holiday, year=each, days=statutory_holidays(each))


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0009_holiday_source"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop, elidable=True),
    ]
