"""Notifications: the header shows the unread count, the page lists them newest first, one POST reads all."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.membership.models import Notification
from assemblies.membership.services.notifications import notify

pytestmark = pytest.mark.django_db


def test_header_shows_the_unread_count_and_the_page_marks_all_read(client, people, assembly):
    for number in range(3):
        notify(
            users=[people.ana],
            assembly=assembly,
            kind="test",
            text=f"Message {number}",
            url=reverse("assembly", args=[assembly.slug]),
            now=timezone.now(),
        )
    client.force_login(people.ana)
    page = client.get(reverse("home")).content.decode()
    assert "3 unread" in page
    response = client.get(reverse("notifications"))
    page = response.content.decode()
    assert page.index("Message 2") < page.index("Message 1") < page.index("Message 0")
    assert f'<a href="{reverse("assembly", args=[assembly.slug])}">Message 0</a>' in page
    response = client.post(reverse("notifications_read"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert "unread" not in client.get(reverse("home")).content.decode()
    assert not Notification.objects.filter(user=people.ana, read_at__isnull=True).exists()


def test_notifications_are_paginated(client, people, assembly):
    for number in range(30):
        notify(users=[people.ana], assembly=assembly, kind="test", text=f"Note {number:02}", now=timezone.now())
    client.force_login(people.ana)
    first = client.get(reverse("notifications")).content.decode()
    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert "Note 29" in first and "Note 00" not in first
    assert "Note 00" in second and "Page 2 of 2" in second


def test_notification_page_needs_a_login_and_shows_only_ones_own(client, people, assembly):
    notify(users=[people.kofi], assembly=assembly, kind="test", text="For Kofi only", now=timezone.now())
    assert client.get(reverse("notifications")).status_code == 302
    client.force_login(people.ana)
    assert "For Kofi only" not in client.get(reverse("notifications")).content.decode()


def test_the_header_count_is_one_query_and_none_for_anonymous_visitors(client, people, assembly):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def notification_queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("assembly", args=[assembly.slug]))
        return [q["sql"] for q in captured.captured_queries if "assemblies_notification" in q["sql"]]

    assert notification_queries() == []
    client.force_login(people.ana)
    assert len(notification_queries()) == 1
