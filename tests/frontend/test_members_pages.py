"""Membership through the pages: invitations (emailed, shown once), join links, join requests, roles,
removal and leaving, with clear messages for links that no longer work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assemblies.membership.models import Invitation, JoinRequest, Membership, Role
from assemblies.membership.services import membership

pytestmark = pytest.mark.django_db


def invitation_path(text):
    return re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", text).group(1)


def test_convenor_invites_by_email_and_sees_the_link_once(client, people, assembly):
    client.force_login(people.convenor)
    response = client.post(
        reverse("assembly_invite", args=[assembly.slug]), {"email": "New@Example.org", "role": "member"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The invitation was emailed to new@example.org." in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    assert invitation_path(mail.outbox[0].body) == invitation_path(page)
    # Shown once: the members page does not show it again.
    assert (
        invitation_path(mail.outbox[0].body)
        not in client.get(reverse("assembly_members", args=[assembly.slug])).content.decode()
    )


def test_invitation_with_a_bad_address_keeps_the_input_and_sends_nothing(client, people, assembly):
    client.force_login(people.convenor)
    response = client.post(
        reverse("assembly_invite", args=[assembly.slug]), {"email": "not-an-address", "role": "member"}
    )
    assert response.status_code == 400
    assert 'value="not-an-address"' in response.content.decode()
    assert response.context["invite_form"].errors["email"]
    assert not mail.outbox and not Invitation.objects.exists()


def test_members_cannot_invite(client, people, assembly):
    client.force_login(people.ana)
    response = client.post(
        reverse("assembly_invite", args=[assembly.slug]), {"email": "x@example.org", "role": "member"}
    )
    assert response.status_code == 403
    assert "Only a convenor can manage the members of this assembly." in response.content.decode()
    assert not Invitation.objects.exists()


def test_invited_person_accepts_after_logging_in_and_the_link_then_says_it_was_used(client, people, assembly):
    _invitation, token = membership.invite(
        assembly=assembly, by=people.convenor, email="olu@example.org", role=Role.OBSERVER, now=timezone.now()
    )
    url = reverse("invitation_accept", args=[token])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(people.outsider)
    page = client.get(url).content.decode()
    assert "You are invited to join as Observer." in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("assembly", args=[assembly.slug])
    assert Membership.objects.get(assembly=assembly, user=people.outsider).role == Role.OBSERVER
    client.force_login(people.ana)
    response = client.post(url)
    assert response.status_code == 410 and "This invitation was already used." in response.content.decode()


def test_expired_and_withdrawn_invitations_say_so(client, people, assembly):
    expired, expired_token = membership.invite(
        assembly=assembly, by=people.convenor, email="a@example.org", now=timezone.now() - timedelta(days=30)
    )
    withdrawn, withdrawn_token = membership.invite(
        assembly=assembly, by=people.convenor, email="b@example.org", now=timezone.now()
    )
    client.force_login(people.convenor)
    client.post(reverse("assembly_invitation_revoke", args=[assembly.slug, withdrawn.pk]))
    client.force_login(people.outsider)
    response = client.get(reverse("invitation_accept", args=[expired_token]))
    assert response.status_code == 410 and "This invitation has expired." in response.content.decode()
    response = client.post(reverse("invitation_accept", args=[withdrawn_token]))
    assert response.status_code == 410 and "This invitation was withdrawn by a convenor." in response.content.decode()
    assert not Membership.objects.filter(user=people.outsider).exists()


def test_join_link_is_shown_to_convenors_works_until_revoked(client, people, assembly):
    client.force_login(people.convenor)
    client.post(reverse("assembly_join_link_create", args=[assembly.slug]))
    link = assembly.join_links.get(revoked_at__isnull=True)
    page = client.get(reverse("assembly_members", args=[assembly.slug])).content.decode()
    assert reverse("join_link", args=[link.token]) in page
    client.force_login(people.outsider)
    assert "This link lets you join as Member." in client.get(reverse("join_link", args=[link.token])).content.decode()
    assert client.post(reverse("join_link", args=[link.token])).status_code == 302
    assert Membership.objects.filter(assembly=assembly, user=people.outsider).exists()
    client.force_login(people.convenor)
    client.post(reverse("assembly_join_link_revoke", args=[assembly.slug, link.pk]))
    membership.remove_member(assembly=assembly, by=people.convenor, member=people.outsider, now=timezone.now())
    client.force_login(people.outsider)
    response = client.post(reverse("join_link", args=[link.token]))
    assert response.status_code == 410 and "This join link is not valid any more." in response.content.decode()
    assert not Membership.objects.filter(assembly=assembly, user=people.outsider).exists()


def test_asking_to_join_and_the_convenor_accepting(client, people, assembly):
    client.force_login(people.outsider)
    response = client.post(reverse("assembly_join", args=[assembly.slug]), {"message": "I run a cooperative."})
    assert response.status_code == 302
    assert "You asked to join" in client.get(reverse("assembly", args=[assembly.slug])).content.decode()
    client.force_login(people.convenor)
    page = client.get(reverse("assembly_members", args=[assembly.slug])).content.decode()
    assert "I run a cooperative." in page
    join_request = JoinRequest.objects.get()
    response = client.post(
        reverse("assembly_join_request", args=[assembly.slug, join_request.pk]), {"accept": "yes"}, follow=True
    )
    assert "Olu is now a member." in response.content.decode()
    assert Membership.objects.get(assembly=assembly, user=people.outsider).role == Role.MEMBER


def test_asking_twice_says_a_convenor_will_answer(client, people, assembly):
    client.force_login(people.outsider)
    client.post(reverse("assembly_join", args=[assembly.slug]), {"message": ""})
    response = client.get(reverse("assembly_join", args=[assembly.slug]))
    assert response.status_code == 200
    response = client.post(reverse("assembly_join", args=[assembly.slug]), {"message": "again"})
    assert response.status_code == 403
    assert "You already asked to join; a convenor will answer." in response.content.decode()
    assert "again" in response.content.decode()


def test_convenor_changes_a_role_and_removes_a_member(client, people, assembly):
    client.force_login(people.convenor)
    client.post(reverse("assembly_member_role", args=[assembly.slug, people.ana.pk]), {"role": "moderator"})
    assert Membership.objects.get(assembly=assembly, user=people.ana).role == Role.MODERATOR
    response = client.post(reverse("assembly_member_remove", args=[assembly.slug, people.kofi.pk]), follow=True)
    assert "Kofi is no longer a member." in response.content.decode()
    assert not Membership.objects.filter(assembly=assembly, user=people.kofi).exists()


def test_the_last_convenor_cannot_step_down_or_leave(client, people, assembly):
    client.force_login(people.convenor)
    response = client.post(
        reverse("assembly_member_role", args=[assembly.slug, people.convenor.pk]), {"role": "member"}, follow=True
    )
    assert "The assembly needs at least one convenor" in response.content.decode()
    response = client.post(reverse("assembly_leave", args=[assembly.slug]))
    assert response.status_code == 409
    assert "The assembly needs at least one convenor" in response.content.decode()
    assert Membership.objects.get(assembly=assembly, user=people.convenor).role == Role.CONVENOR


def test_members_see_the_list_with_roles_but_no_management(client, people, assembly):
    client.force_login(people.ana)
    response = client.get(reverse("assembly_members", args=[assembly.slug]))
    page = response.content.decode()
    assert "Amara" in page and "Convenor" in page and "Observer" in page
    assert reverse("assembly_invite", args=[assembly.slug]) not in page
    assert reverse("assembly_member_remove", args=[assembly.slug, people.kofi.pk]) not in page
    response = client.post(reverse("assembly_member_remove", args=[assembly.slug, people.kofi.pk]), follow=True)
    assert "Only a convenor can manage the members of this assembly." in response.content.decode()
    assert Membership.objects.filter(assembly=assembly, user=people.kofi).exists()


def test_non_members_of_a_public_assembly_do_not_see_the_members_list(client, people, assembly):
    client.force_login(people.outsider)
    response = client.get(reverse("assembly_members", args=[assembly.slug]))
    assert response.status_code == 403
    assert "Kofi" not in response.content.decode()


def test_leaving_asks_for_confirmation_then_leaves(client, people, assembly):
    client.force_login(people.kofi)
    page = client.get(reverse("assembly_leave", args=[assembly.slug])).content.decode()
    assert "Yes, leave" in page
    assert Membership.objects.filter(assembly=assembly, user=people.kofi).exists()
    response = client.post(reverse("assembly_leave", args=[assembly.slug]), follow=True)
    assert "You left Mont Blanc Meetings." in response.content.decode()
    assert not Membership.objects.filter(assembly=assembly, user=people.kofi).exists()
