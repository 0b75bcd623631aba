"""Notifications reach people as they chose: at once, in a daily digest, or never by email."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from assemblies.accounts import services as accounts
from assemblies.membership.models import Notification, Role
from assemblies.roadmap.services import contributions
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_tabling_notifies_the_author_by_email_at_once_or_in_the_digest_or_never():
    convenor, author, supporter, silent = (factories.user(n) for n in ("Amara", "Ana", "Kofi", "Léa"))
    accounts.update_account(user=supporter, display_name="Kofi", language="", notify_by_email="daily")
    accounts.update_account(user=silent, display_name="Léa", language="", notify_by_email="never")
    assembly = factories.assembly(
        convenor,
        members=[(author, Role.MEMBER), (supporter, Role.MEMBER), (silent, Role.MEMBER)],
        roadmap_text=factories.SMALL_ROADMAP,
    )
    space = factories.space_in(assembly, "DIG")
    proposal = contributions.propose(
        space=space,
        author=author,
        title="Open data",
        text="Publish open data.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    contributions.support(contribution=proposal, user=supporter, now=timezone.now())
    contributions.support(contribution=proposal, user=silent, now=timezone.now())
    mail.outbox.clear()
    contributions.table(contribution=proposal, by=convenor, now=timezone.now())
    assert [m.to for m in mail.outbox] == [[author.email]]
    # Everyone concerned sees it in the site; "never" only means no email.
    assert set(Notification.objects.filter(kind="tabled").values_list("user", flat=True)) == {
        author.pk,
        supporter.pk,
        silent.pk,
    }
    call_command("send_digests", stdout=open("/dev/null", "w"))
    assert [m.to for m in mail.outbox][1:] == [[supporter.email]]
    assert "Open data" in mail.outbox[1].body
