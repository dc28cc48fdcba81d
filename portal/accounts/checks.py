"""System checks that need the database: production must hold no demo accounts.

Run by `manage.py check --deploy --database default`, which the production stack runs before it
starts serving (see docker-compose.yml), so a database seeded with demo data is refused.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.database)
def no_demo_accounts_in_production(app_configs=None, databases=None, **kwargs):
    if not settings.IS_PRODUCTION or not databases:
        return []
    from portal.accounts.models import User

    try:
        demo = list(User.objects.filter(is_demo=True, is_active=True).values_list("username", flat=True)[:5])
    except DatabaseError:  # not migrated yet: nothing to refuse
        return []
    if not demo:
        return []
    return [
        Error(
            f"Active demo accounts with the published demo password exist: {', '.join(demo)}.",
            hint="Deactivate or delete them; seed_demo is for development only.",
            id="portal.E001",
        )
    ]
