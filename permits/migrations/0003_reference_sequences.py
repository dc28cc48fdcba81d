"""Sequences behind application references and permit numbers.

A PostgreSQL sequence hands out numbers without locks, so concurrent submissions never wait on each
other nor collide; a rolled-back transaction leaves a gap, which references tolerate.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("permits", "0002_catalogue_applications_permits")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS permits_application_reference_seq;",
            "DROP SEQUENCE IF EXISTS permits_application_reference_seq;",
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS permits_permit_number_seq;",
            "DROP SEQUENCE IF EXISTS permits_permit_number_seq;",
        ),
    ]
