"""The notification outbox: a row per event and recipient, written in the transaction that causes it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending delivery")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.IN_APP)
    event = models.CharField(_("event"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    # event + object + recipient + channel: the same event never reaches the same person twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient}"
