from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A conversation with one customer on one channel account that needs (or needed) attention."""

    brand = models.ForeignKey("core.Brand", on_delete=models.PROTECT, related_name="tickets")
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="tickets"
    )
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # noise filter: a filtered ticket waits in the "Filtered" view instead of the inbox
    is_filtered = models.BooleanField(default=False, db_index=True)
    # public -> private -> public loop
    moved_private_at = models.DateTimeField(null=True, blank=True)
    public_followup_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="ticket_status_updated"),
            models.Index(fields=["customer", "channel_account", "status"], name="ticket_customer_open"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class MessageKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    REPLY = "reply", _("Reply")
    COMMENT = "comment", _("Comment")
    DIRECT = "direct", _("Direct message")
    REVIEW = "review", _("Review")
    POST = "post", _("Post")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    external_id = models.CharField(max_length=191, null=True, blank=True)
    thread_key = models.CharField(max_length=191, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=191, blank=True, db_index=True)
    text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    enrichment = models.JSONField(default=dict, blank=True)
    author_identity = models.ForeignKey(
        "crm.Identity", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivery_status = models.CharField(max_length=12, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # moderation state on the platform: {"hidden": true, "liked": true, "deleted_by_brand": true, ...}
    platform_state = models.JSONField(default=dict, blank=True)
    raw_event = models.ForeignKey(
        "channels.RawEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="message_external_id_unique_per_channel_account",
            )
        ]


class Note(models.Model):
    """An internal note on a ticket; never leaves Socialcare."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class TicketEvent(models.Model):
    """Append-only audit trail of everything that happens to a ticket; the future source of KPIs."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=48)
    actor = models.CharField(max_length=64, help_text="user:<id>, rule:<id> or system")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("ticket events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("ticket events are append-only")
