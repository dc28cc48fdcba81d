"""Test support shipped with the project: the pytest plugin that provides PostgreSQL and the broker."""
