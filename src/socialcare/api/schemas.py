from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class TicketOut(Schema):
    id: int
    brand_id: int
    channel_account_id: int
    channel_kind: str = Field(..., alias="channel_account.kind")
    customer_id: int
    customer_name: str = Field(..., alias="customer.display_name")
    subject: str
    status: str
    priority: int
    assignee_id: int | None
    team_id: int | None
    tags: list[str] = []
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_tags(obj: object) -> list[str]:
        return [tag.name for tag in obj.tags.all()]  # type: ignore[attr-defined]


class MessageOut(Schema):
    id: int
    direction: str
    visibility: str
    kind: str
    external_id: str | None
    in_reply_to: str
    text: str
    author_handle: str | None = None
    author_user_id: int | None
    occurred_at: datetime
    delivery_status: str
    deleted: bool = False
    enrichment: dict = {}

    @staticmethod
    def resolve_author_handle(obj: object) -> str | None:
        identity = obj.author_identity  # type: ignore[attr-defined]
        return identity.handle or identity.external_user_id if identity else None

    @staticmethod
    def resolve_deleted(obj: object) -> bool:
        return obj.deleted_at is not None  # type: ignore[attr-defined]


class NoteOut(Schema):
    id: int
    text: str
    author_id: int | None
    created_at: datetime


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)
    visibility: Literal["public", "private"] | None = None


class AssignIn(Schema):
    assignee_id: int | None


class StatusIn(Schema):
    status: Literal["new", "open", "pending", "resolved", "closed"]


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)


class ErrorOut(Schema):
    detail: str
    code: str = "invalid"
