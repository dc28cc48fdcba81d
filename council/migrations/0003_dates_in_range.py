import datetime
import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('council', '0002_consultations_concerns_reports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='accountabilityreport',
            name='period_end',
            field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1)), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31))], verbose_name='period end'),
        ),
        migrations.AlterField(
            model_name='accountabilityreport',
            name='period_start',
            field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1)), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31))], verbose_name='period start'),
        ),
        migrations.AlterField(
            model_name='goal',
            name='baseline_date',
            field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1)), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31))], verbose_name='baseline measured on'),
        ),
        migrations.AlterField(
            model_name='goal',
            name='deadline',
            field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1)), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31))], verbose_name='deadline'),
        ),
        # NOT VALID: every new or changed row is checked, but rows stored before the bounds existed do
        # not stop the migration; the metrics flag such a goal instead of failing on it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(model_name='accountabilityreport', constraint=models.CheckConstraint(condition=models.Q(('period_start__gte', datetime.date(2000, 1, 1)), ('period_start__lte', datetime.date(2100, 12, 31)), ('period_end__gte', datetime.date(2000, 1, 1)), ('period_end__lte', datetime.date(2100, 12, 31))), name='report_period_in_range')),
                migrations.AddConstraint(model_name='goal', constraint=models.CheckConstraint(condition=models.Q(('baseline_date__gte', datetime.date(2000, 1, 1)), ('baseline_date__lte', datetime.date(2100, 12, 31)), ('deadline__gte', datetime.date(2000, 1, 1)), ('deadline__lte', datetime.date(2100, 12, 31))), name='goal_dates_in_range')),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=(
                        "ALTER TABLE council_accountabilityreport ADD CONSTRAINT report_period_in_range CHECK ("
                        "period_start >= '2000-01-01' AND period_start <= '2100-12-31' AND "
                        "period_end >= '2000-01-01' AND period_end <= '2100-12-31') NOT VALID"
                    ),
                    reverse_sql="ALTER TABLE council_accountabilityreport DROP CONSTRAINT report_period_in_range",
                ),
                migrations.RunSQL(
                    sql=(
                        "ALTER TABLE council_goal ADD CONSTRAINT goal_dates_in_range CHECK ("
                        "baseline_date >= '2000-01-01' AND baseline_date <= '2100-12-31' AND "
                        "deadline >= '2000-01-01' AND deadline <= '2100-12-31') NOT VALID"
                    ),
                    reverse_sql="ALTER TABLE council_goal DROP CONSTRAINT goal_dates_in_range",
                ),
            ],
        ),
    ]
