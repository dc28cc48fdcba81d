"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

from portal.dev_database import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
ensure_database_url()

application = get_asgi_application()
