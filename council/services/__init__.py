"""Writes of the council side, by topic. Each: one transaction, one audit event, its notifications."""

from council.services.councils import council_create, council_member_add

__all__ = ["council_create", "council_member_add"]
