"""Test data, created through the services as the product creates it."""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path

from django.utils import timezone

from assemblies.accounts import services as accounts
from assemblies.membership.models import Phase, Role
from assemblies.membership.services import membership, spaces
from assemblies.roadmap import SEED_ROADMAP
from assemblies.roadmap.services import contributions, roadmap

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = SEED_ROADMAP
SMALL_ROADMAP = """\
# Small roadmap

## Digital tools at the service of the SSE {#DIG}

1. Develop and formalise a preventive and ethical approach to the digital SSE.
2. Build real democratic values, validation processes for a democratic vote.
3. Fight against the digital divide and digital exclusion to allow access to the greatest number.

## Public policies {#POL}

1. Determine the scope of SSE in different countries.
2. Promote public procurement that values the SSE.
"""

_sequence = itertools.count(1)
PASSWORD = "a long test passphrase"


def user(name: str | None = None, **kwargs):
    number = next(_sequence)
    name = name or f"Person {number}"
    email = kwargs.pop("email", f"person{number}-{secrets.token_hex(3)}@example.org")
    return accounts.create_account(email=email, password=kwargs.pop("password", PASSWORD), display_name=name, **kwargs)


def submission_key() -> str:
    return secrets.token_urlsafe(18)


def assembly(convenor=None, *, visibility="public", name=None, members=(), roadmap_text=None):
    """An assembly with a convenor, the given (user, role) members and, optionally, an imported roadmap."""
    convenor = convenor or user("Convenor")
    created = membership.create_assembly(
        name=name or f"Assembly {next(_sequence)}", visibility=visibility, creator=convenor, now=timezone.now()
    )
    for person, role in members:
        invitation, token = membership.invite(
            assembly=created, by=convenor, email=person.email, role=role, now=timezone.now()
        )
        membership.accept_invitation(token=token, user=person, now=timezone.now())
    if roadmap_text is not None:
        roadmap.import_roadmap(assembly=created, text=roadmap_text, by=convenor, now=timezone.now())
    return created


def fixture_text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def space_in(assembly_obj, code="DIG", phase=Phase.DRAFTING, by=None):
    space = assembly_obj.spaces.get(code=code)
    if space.phase != phase:
        convenor = by or assembly_obj.memberships.filter(role=Role.CONVENOR).first().user
        space = spaces.set_phase(space=space, by=convenor, phase=phase, now=timezone.now())
    return space


def amend(author, item, text, *, change="edit", base_version=None):
    return contributions.propose_amendment(
        author=author,
        item=item,
        change=change,
        text=text,
        base_version=base_version or item.roadmap.head,
        submission_key=submission_key(),
        now=timezone.now(),
    )
