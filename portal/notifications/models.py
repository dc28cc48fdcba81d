"""The notification outbox: a row per event and recipient, written in the transaction that causes it."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending delivery")
    # Claimed by a worker for one delivery attempt (a lease from `claimed_at`); see services.deliver.
    SENDING = "sending", _("Being delivered")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")
    # An email handed to the mail server by a worker that died before hearing its answer: most likely
    # delivered, never resent (at most once).
    UNCONFIRMED = "unconfirmed", _("Handed to the mail server, delivery not confirmed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.IN_APP)
    event = models.CharField(_("event"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    # event + object + recipient + channel: the same event never reaches the same person twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    # For the webhook channel: the subscription this row is delivered to.
    webhook = models.ForeignKey(
        "notifications.WebhookSubscription", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the outbox sweep should (re)try delivery; capped exponential backoff after failures.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The current delivery attempt: when a worker claimed the row, and (email) when it handed the
    # message to the mail server. Both are committed before the step they announce.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("handed to the mail server at"), null=True, blank=True)
    # An email held for the recipient's daily digest rather than sent on its own.
    in_digest = models.BooleanField(_("held for the daily digest"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            # The outbox sweep reads only what still waits for delivery.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending_idx",
                condition=models.Q(status="pending"),
            ),
            # The outbox sweep looks for attempts whose worker died (a lease that ran out).
            models.Index(
                fields=["claimed_at"],
                name="notification_sending_idx",
                condition=models.Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient}"


class NotificationPreference(models.Model):
    """Per event, whether a user also wants email (in-app notifications always arrive)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("event"), max_length=64)
    email = models.BooleanField(_("send email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.event} email={'on' if self.email else 'off'}"


class WebhookSubscription(models.Model):
    """An API client's endpoint for events of its business, signed with HMAC-SHA256 using `secret`."""

    client = models.ForeignKey("accounts.ApiClient", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Empty: every event."))
    secret = models.CharField(_("signing secret"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.client}: {self.url}"

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    """The delivery log: one row per attempt, with what the receiver answered."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.status_code or self.error[:40]}"
