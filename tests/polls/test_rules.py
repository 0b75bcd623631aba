"""Poll permissions as a role × status matrix: create, open, close, vote, view."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from assemblies.membership.models import Role
from polls import rules, services
from tests import factories

from . import pollkit as K

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "observer", "member", "moderator", "convenor"]
VOTERS = {"member", "moderator", "convenor"}
STATUSES = ["draft", "open", "closed"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        people = {role: factories.user(role) for role in ROLES if role not in ("anonymous", "convenor")}
        people["convenor"] = factories.user("convenor")
        people["anonymous"] = AnonymousUser()
        polls = {}
        for visibility in ("public", "members"):
            assembly = factories.assembly(
                people["convenor"],
                visibility=visibility,
                members=[(people[r], r) for r in ("observer", "member", "moderator")],
            )
            polls[visibility, "draft"] = K.make_poll(assembly, people["convenor"])
            polls[visibility, "open"], _codes = K.open_poll(
                K.make_poll(assembly, people["convenor"]), people["convenor"]
            )
            opened, _codes = K.open_poll(K.make_poll(assembly, people["convenor"]), people["convenor"])
            polls[visibility, "closed"] = K.close(opened)
        yield {"people": people, "polls": polls}
        transaction.set_rollback(True)


def expected(action: str, role: str, status: str, visibility: str) -> bool:
    if action == "create":
        return role == "convenor"
    if action == "open":
        return role == "convenor" and status == "draft"
    if action == "close":
        return role == "convenor" and status == "open"
    if action == "vote":
        return role in VOTERS and status == "open"
    if action == "view":
        return visibility == "public" or role not in ("anonymous", "outsider")
    raise AssertionError(action)


def check(action, user, poll):
    if action == "create":
        return rules.can_create_poll(user, poll.assembly)
    return getattr(rules, f"can_{action}_poll" if action != "vote" else "can_vote")(user, poll)


@pytest.mark.parametrize("visibility", ["public", "members"])
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["create", "open", "close", "vote", "view"])
def test_permission_matrix(world, action, role, status, visibility):
    user = world["people"][role]
    poll = world["polls"][visibility, status]
    verdict = check(action, user, poll)
    assert bool(verdict) == expected(action, role, status, visibility), verdict.reason
    if not verdict:
        assert verdict.reason  # every refusal says why


def test_a_member_who_became_an_observer_after_opening_can_no_longer_vote(world):
    from assemblies.membership.services import membership

    people, poll = world["people"], world["polls"]["public", "open"]
    with transaction.atomic():
        membership.set_role(
            assembly=poll.assembly, by=people["convenor"], member=people["member"], role=Role.OBSERVER, now=K.now()
        )
        verdict = rules.can_vote(people["member"], poll)
        assert not verdict and "Observers" in verdict.reason
        with pytest.raises(services.NotEligible):
            services.cast_roll_call(poll=poll, user=people["member"], choice="yes", now=K.now())
        transaction.set_rollback(True)
    from assemblies.membership.rules import forget_memberships

    forget_memberships(people["member"])
