"""Membership: invitations, join links, requests, roles, and the last convenor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assemblies.common.errors import NotAllowed
from assemblies.membership.models import Membership, Role
from assemblies.membership.services import membership
from assemblies.membership.services.membership import InvitationInvalid, LastConvenor
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def convenor():
    return factories.user("Amara")


@pytest.fixture
def assembly(convenor):
    return factories.assembly(convenor, visibility="members")


def test_the_creator_is_the_first_convenor(assembly, convenor):
    assert Membership.objects.get(assembly=assembly, user=convenor).role == Role.CONVENOR


def test_an_invitation_is_single_use(assembly, convenor):
    invitation, token = membership.invite(
        assembly=assembly, by=convenor, email="Ana@Example.org", role=Role.MEMBER, now=timezone.now()
    )
    assert invitation.email == "ana@example.org" and token not in invitation.token_hash
    ana, kofi = factories.user("Ana"), factories.user("Kofi")
    membership.accept_invitation(token=token, user=ana, now=timezone.now())
    with pytest.raises(InvitationInvalid, match="already used"):
        membership.accept_invitation(token=token, user=kofi, now=timezone.now())
    assert not Membership.objects.filter(assembly=assembly, user=kofi).exists()


def test_an_expired_or_revoked_invitation_is_refused(assembly, convenor):
    now = timezone.now()
    _, old = membership.invite(assembly=assembly, by=convenor, email="a@example.org", now=now - timedelta(days=15))
    with pytest.raises(InvitationInvalid, match="expired"):
        membership.accept_invitation(token=old, user=factories.user(), now=now)
    invitation, revoked = membership.invite(assembly=assembly, by=convenor, email="b@example.org", now=now)
    membership.revoke_invitation(invitation=invitation, by=convenor, now=now)
    with pytest.raises(InvitationInvalid, match="withdrawn"):
        membership.accept_invitation(token=revoked, user=factories.user(), now=now)


def test_only_convenors_invite(assembly, convenor):
    member = factories.user()
    _, token = membership.invite(assembly=assembly, by=convenor, email=member.email, now=timezone.now())
    membership.accept_invitation(token=token, user=member, now=timezone.now())
    with pytest.raises(NotAllowed):
        membership.invite(assembly=assembly, by=member, email="c@example.org", now=timezone.now())


def test_a_revoked_join_link_no_longer_admits(assembly, convenor):
    link = membership.create_join_link(assembly=assembly, by=convenor, now=timezone.now())
    first = factories.user()
    membership.join_by_link(token=link.token, user=first, now=timezone.now())
    membership.revoke_join_link(link=link, by=convenor, now=timezone.now())
    with pytest.raises(InvitationInvalid):
        membership.join_by_link(token=link.token, user=factories.user(), now=timezone.now())
    assert Membership.objects.filter(assembly=assembly).count() == 2


def test_a_private_assembly_takes_no_join_requests(assembly):
    with pytest.raises(NotAllowed, match="invitation only"):
        membership.request_to_join(assembly=assembly, user=factories.user(), now=timezone.now())


def test_an_invitation_raises_an_existing_member_but_never_demotes(assembly, convenor):
    person = factories.user()
    _, token = membership.invite(
        assembly=assembly, by=convenor, email=person.email, role=Role.MODERATOR, now=timezone.now()
    )
    membership.accept_invitation(token=token, user=person, now=timezone.now())
    _, token = membership.invite(
        assembly=assembly, by=convenor, email=person.email, role=Role.MEMBER, now=timezone.now()
    )
    membership.accept_invitation(token=token, user=person, now=timezone.now())
    assert Membership.objects.get(assembly=assembly, user=person).role == Role.MODERATOR
    _, token = membership.invite(
        assembly=assembly, by=convenor, email=person.email, role=Role.CONVENOR, now=timezone.now()
    )
    membership.accept_invitation(token=token, user=person, now=timezone.now())
    assert Membership.objects.get(assembly=assembly, user=person).role == Role.CONVENOR


def test_join_request_accepted_makes_a_member_and_is_answered_once(convenor):
    assembly = factories.assembly(convenor, visibility="public")
    rosa = factories.user("Rosa")
    request = membership.request_to_join(
        assembly=assembly, user=rosa, message="I coordinate a cooperative.", now=timezone.now()
    )
    with pytest.raises(NotAllowed):
        membership.request_to_join(assembly=assembly, user=rosa, now=timezone.now())
    membership.decide_join_request(join_request=request, by=convenor, accept=True, now=timezone.now())
    assert Membership.objects.get(assembly=assembly, user=rosa).role == Role.MEMBER
    with pytest.raises(NotAllowed):
        membership.decide_join_request(join_request=request, by=convenor, accept=False, now=timezone.now())
    assert rosa.notifications.filter(kind="join_request_decided").exists()


def test_the_last_convenor_can_neither_leave_nor_be_demoted(assembly, convenor):
    with pytest.raises(LastConvenor):
        membership.leave(assembly=assembly, user=convenor, now=timezone.now())
    with pytest.raises(LastConvenor):
        membership.set_role(assembly=assembly, by=convenor, member=convenor, role=Role.MEMBER, now=timezone.now())
    second = factories.user()
    _, token = membership.invite(
        assembly=assembly, by=convenor, email=second.email, role=Role.CONVENOR, now=timezone.now()
    )
    membership.accept_invitation(token=token, user=second, now=timezone.now())
    membership.leave(assembly=assembly, user=convenor, now=timezone.now())
    assert not Membership.objects.filter(assembly=assembly, user=convenor).exists()


def test_members_can_leave(assembly, convenor):
    member = factories.user()
    _, token = membership.invite(assembly=assembly, by=convenor, email=member.email, now=timezone.now())
    membership.accept_invitation(token=token, user=member, now=timezone.now())
    membership.leave(assembly=assembly, user=member, now=timezone.now())
    assert not Membership.objects.filter(assembly=assembly, user=member).exists()
