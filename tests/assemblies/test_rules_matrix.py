"""Permissions as a role × phase matrix: every predicate, every role, every phase."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from assemblies.membership import rules as membership_rules
from assemblies.membership.models import Phase
from assemblies.roadmap import rules as roadmap_rules
from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "observer", "member", "moderator", "convenor"]
PARTICIPANTS = {"member", "moderator", "convenor"}
PHASES = [Phase.DRAFTING, Phase.DELIBERATION, Phase.VOTING, Phase.CLOSED]


def expected(action: str, role: str, phase: str) -> bool:
    if action in ("propose", "amend_item"):
        return role in PARTICIPANTS and phase == Phase.DRAFTING
    if action == "comment":
        return role in PARTICIPANTS and phase != Phase.CLOSED
    if action == "support":
        return role in PARTICIPANTS - {"member"} and phase in (Phase.DRAFTING, Phase.DELIBERATION)
    if action == "table":
        return role == "convenor" and phase != Phase.CLOSED
    if action in ("set_phase", "edit_roadmap", "manage_members"):
        return role == "convenor"
    if action == "moderate":
        return role in ("moderator", "convenor")
    if action == "view_private":
        return role in PARTICIPANTS | {"observer"}
    raise AssertionError(action)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Built once for the module inside a transaction that is rolled back at the end, so nothing leaks.
    with django_db_blocker.unblock(), transaction.atomic():
        people = {role: factories.user(role) for role in ROLES if role != "anonymous"}
        people["anonymous"] = AnonymousUser()
        assembly = factories.assembly(
            people["convenor"],
            visibility="members",
            members=[(people[r], r) for r in ("observer", "member", "moderator")],
            roadmap_text=factories.SMALL_ROADMAP,
        )
        factories.assembly(people["outsider"], name="Another assembly")
        space = assembly.spaces.get(code="DIG")
        # The proposal to support is by the member, so "member" is its author (authors cannot co-sign).
        proposal = contributions.propose(
            space=space,
            author=people["member"],
            title="T",
            text="Text.",
            submission_key=factories.submission_key(),
            now=timezone.now(),
        )
        yield {"people": people, "assembly": assembly, "space": space, "proposal": proposal}
        transaction.set_rollback(True)


def check(action, who, world, phase):
    space = world["space"]
    space.phase = phase  # predicates read the phase from the object they are given
    item = Item.objects.select_related("space__assembly").get(roadmap__assembly=world["assembly"], ref="DIG-1")
    item.space = space
    proposal = world["proposal"]
    proposal.space = space
    membership_rules.forget_memberships(getattr(who, "pk", None) and who)
    return {
        "propose": lambda: roadmap_rules.can_propose(who, space),
        "amend_item": lambda: roadmap_rules.can_amend_item(who, item),
        "comment": lambda: membership_rules.can_comment(who, space),
        "support": lambda: roadmap_rules.can_support(who, proposal),
        "table": lambda: roadmap_rules.can_table(who, proposal),
        "set_phase": lambda: membership_rules.can_set_phase(who, space),
        "edit_roadmap": lambda: roadmap_rules.can_edit_roadmap(who, space.assembly),
        "manage_members": lambda: membership_rules.can_manage_members(who, space.assembly),
        "moderate": lambda: membership_rules.can_moderate(who, space.assembly),
        "view_private": lambda: membership_rules.can_view_assembly(who, space.assembly),
    }[action]()


ACTIONS = [
    "propose",
    "amend_item",
    "comment",
    "support",
    "table",
    "set_phase",
    "edit_roadmap",
    "manage_members",
    "moderate",
    "view_private",
]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(world, action, role, phase):
    verdict = check(action, world["people"][role], world, phase)
    assert bool(verdict) is expected(action, role, phase), f"{action} by {role} in {phase}: {verdict.reason}"
    if not verdict:
        assert verdict.reason, "every refusal says why"


def test_private_assembly_is_invisible_in_listings_to_non_members(world):
    people = world["people"]
    assert world["assembly"] not in membership_rules.assemblies_visible_to(people["outsider"])
    assert world["assembly"] not in membership_rules.assemblies_visible_to(people["anonymous"])
    assert world["assembly"] in membership_rules.assemblies_visible_to(people["observer"])
    assert not roadmap_rules.contributions_visible_to(people["outsider"]).filter(pk=world["proposal"].pk).exists()
