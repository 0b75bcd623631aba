"""In-site notifications, emailed at once, in a daily digest, or never, as each person chose."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

from assemblies.common.events import publish
from assemblies.membership.models import Notification


def notify(*, users, assembly, kind: str, text: str, url: str = "", now: datetime) -> list[Notification]:
    """Record a notification for each person (once each), email the ones who want it at once, and tell
    their open pages; both happen after commit."""
    recipients = {user.pk: user for user in users if user is not None}
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=user, assembly=assembly, kind=kind, text=text[:500], url=url, created_at=now)
            for user in recipients.values()
        ]
    )
    for notification in notifications:
        publish(f"user.{notification.user_id}", {"type": "user.notification", "text": notification.text, "url": url})
    immediate = [n for n in notifications if n.user.notify_by_email == n.user.Notify.IMMEDIATELY]
    if immediate:
        transaction.on_commit(lambda: _email_now(immediate, now=now))
    return notifications


def _email_now(notifications: list[Notification], *, now: datetime) -> None:
    for notification in notifications:
        _send(notification.user, [notification])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=now)


def _absolute(url: str) -> str:
    base = getattr(settings, "DELIBERATE_BASE_URL", "")
    return f"{base}{url}" if url else base


def _send(user, notifications: list[Notification]) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines = [f"- {n.text}" + (f"\n  {_absolute(n.url)}" if n.url else "") for n in notifications]
        subject = f"[{settings.DELIBERATE_SITE_NAME}] " + (
            notifications[0].text if len(notifications) == 1 else translation.gettext("Your daily digest")
        )
        body = (
            "\n".join(lines)
            + "\n\n"
            + translation.gettext(
                "You receive this because of your notification setting; change it on your account page."
            )
        )
        send_mail(subject[:150], body, None, [user.email], fail_silently=True)


def send_daily_digests(*, now: datetime) -> int:
    """Email every daily-digest person their notifications not yet emailed; returns how many were sent."""
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, user__notify_by_email="daily", created_at__lte=now)
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in pending:
        by_user.setdefault(notification.user_id, []).append(notification)
    for notifications in by_user.values():
        _send(notifications[0].user, notifications)
        with transaction.atomic():
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
    return len(by_user)


def mark_read(*, user, now: datetime, notification_ids=None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    with transaction.atomic():
        return queryset.update(read_at=now)
