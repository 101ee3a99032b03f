"""Notifications in the JSON API: the person's list, the unread count, marking read, and how
they take each kind by e-mail. Handlers call lms.notifications.services."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema

from lms.auth import AUTH
from lms.notifications import services
from lms.notifications.kinds import Delivery, kinds_for

router = Router(tags=["notifications"])


class ErrorOut(Schema):
    """A refused request: `detail` says why in words; `errors` names fields where it can."""

    detail: str
    errors: dict | list | None = None


def _errors(ok: dict, *codes: int) -> dict:
    return {**ok, **dict.fromkeys(codes, ErrorOut)}


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    link: str = Field(description="Where it leads: a path on this site, or an absolute URL.")
    created_at: datetime
    read_at: datetime | None
    email: str = Field(description="sent, digest_pending, digested, off or none.")


class NotificationListQuery(Schema):
    unread: bool = Field(False, description="Only notifications not read yet.")
    limit: int = Field(services.PAGE_SIZE, ge=1, le=services.PAGE_SIZE)
    # Bounded: past the database's integers an offset is an error there, not an empty page.
    offset: int = Field(0, ge=0, le=2**31 - 1)


class NotificationListOut(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class PreferenceOut(Schema):
    kind: str
    label: str
    teaching: bool
    email: str = Field(description="immediately, daily_digest or off.")


class PreferencesIn(Schema):
    """Kinds to change → immediately, daily_digest or off; kinds left out stay as they are."""

    email: dict[str, str]


def _preferences(user) -> list[dict]:
    chosen = services.preferences_of(user)
    return [
        {"kind": k.name, "label": str(k.label), "teaching": k.teaching, "email": chosen[k.name]}
        for k in kinds_for(user)
    ]


@router.get("/notifications", response=_errors({200: NotificationListOut}, 400, 401), auth=AUTH)
def list_notifications(request, query: Query[NotificationListQuery]):
    found = services.notifications_of(request.auth, unread_only=query.unread)
    return {
        "count": found.count(),
        "unread": services.unread_count(request.auth),
        "items": list(found[query.offset : query.offset + query.limit]),
    }


@router.get("/notifications/unread-count", response=_errors({200: UnreadOut}, 401), auth=AUTH)
def unread_count(request):
    return {"unread": services.unread_count(request.auth)}


@router.post(
    "/notifications/{notification_id}/read",
    response=_errors({200: NotificationOut}, 401, 404),
    auth=AUTH,
)
def mark_read(request, notification_id: int):
    return services.notification_mark_read(user=request.auth, notification_id=notification_id)


@router.post("/notifications/read-all", response=_errors({200: MarkedOut}, 401), auth=AUTH)
def mark_all_read(request):
    return {"marked": services.notifications_mark_all_read(user=request.auth)}


@router.get(
    "/notifications/preferences", response=_errors({200: list[PreferenceOut]}, 401), auth=AUTH
)
def get_preferences(request):
    return _preferences(request.auth)


@router.put(
    "/notifications/preferences",
    response=_errors({200: list[PreferenceOut]}, 400, 401),
    auth=AUTH,
    description=(
        "Set how each kind comes by e-mail: "
        + ", ".join(Delivery.values)
        + ". An unknown kind or choice is a 400 naming it; nothing is changed then."
    ),
)
def set_preferences(request, payload: PreferencesIn):
    services.preferences_set(user=request.auth, choices=payload.email)
    return _preferences(request.auth)
