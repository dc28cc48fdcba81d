"""WSGI entry point (gunicorn in the production-like stack)."""

import os

from django.core.wsgi import get_wsgi_application

from portal.dev_database import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
ensure_database_url()

application = get_wsgi_application()
