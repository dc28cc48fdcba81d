"""The audit trail: append-only and hash-chained.

Each event stores the hash of the event before it and a SHA-256 of its own canonical form, so
changing, removing or reordering any event breaks the chain (`manage.py verify_audit` finds where).
A database trigger refuses UPDATE and DELETE, so the trail cannot be edited through the ORM, the
admin or plain SQL without first disabling the trigger, which needs the table owner's rights.
TRUNCATE is not a trigger's business (Django's test flush truncates every table); in production the
application's database role should not own the table nor hold TRUNCATE on it (see the README).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("occurred at"))
    # No foreign-key constraint and no cascade: the trail must never be rewritten because a
    # referenced row changed. `actor_label` keeps the username as it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        triggers = [
            pgtrigger.Protect(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
