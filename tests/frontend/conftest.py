"""People, assemblies and roadmaps for the page tests, all made through the services."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from django.utils import timezone

from assemblies.membership.models import Assembly, Role
from assemblies.membership.services import membership
from assemblies.roadmap import SEED_ROADMAP
from assemblies.roadmap.services import contributions
from assemblies.roadmap.services import roadmap as roadmap_services

PASSWORD = "a long enough passphrase"

SMALL_ROADMAP = """# A small roadmap

Why we meet.

## Digital tools {#DIG}

1. Build open digital tools for cooperatives and share them.
2. Train members in digital skills.
3. Keep the data of members in their own hands.

## Finance {#FIN}

1. Create a solidarity fund for new cooperatives.
2. Open ethical banking to small organisations.
"""


def roadmap_text() -> str:
    """The Mont Blanc roadmap (78 items), which ships with the roadmap app."""
    return SEED_ROADMAP.read_text(encoding="utf-8")


def generated_roadmap(items: int, *, per_section: int = 10) -> str:
    """A Markdown roadmap with `items` items, `per_section` to a section."""
    lines = ["# Generated roadmap", "", "For counting queries.", ""]
    for index in range(items):
        if index % per_section == 0:
            number = index // per_section
            lines += ["", f"## Theme {number} {{#TH{number}}}", ""]
        lines.append(f"{index % per_section + 1}. Action number {index} for the theme, with a few more words.")
    return "\n".join(lines) + "\n"


def key() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class People:
    convenor: object
    ana: object
    kofi: object
    observer: object
    outsider: object


@pytest.fixture
def people(db, settings):
    from assemblies.accounts.services import create_account

    # Real password hashing costs a third of a second per account: these tests are not about it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def make(email, name):
        return create_account(email=email, password=PASSWORD, display_name=name)

    return People(
        convenor=make("amara@example.org", "Amara"),
        ana=make("ana@example.org", "Ana"),
        kofi=make("kofi@example.org", "Kofi"),
        observer=make("oscar@example.org", "Oscar"),
        outsider=make("olu@example.org", "Olu"),
    )


def join(assembly, users, *, by):
    now = timezone.now()
    link = membership.create_join_link(assembly=assembly, by=by, now=now)
    for user in users:
        membership.join_by_link(token=link.token, user=user, now=now)
    membership.revoke_join_link(link=link, by=by, now=now)


@pytest.fixture
def assembly(people):
    """A public assembly: Amara convenes, Ana and Kofi are members, Oscar observes, Olu is outside."""
    assembly = membership.create_assembly(
        name="Mont Blanc Meetings",
        slug="montblanc",
        description="The **forum** of the SSE.",
        creator=people.convenor,
        now=timezone.now(),
    )
    join(assembly, [people.ana, people.kofi, people.observer], by=people.convenor)
    membership.set_role(
        assembly=assembly, by=people.convenor, member=people.observer, role=Role.OBSERVER, now=timezone.now()
    )
    return assembly


@pytest.fixture
def roadmap(assembly, people):
    """Version 1 of the assembly's roadmap, imported by the convenor."""
    return roadmap_services.import_roadmap(
        assembly=assembly, text=roadmap_text(), by=people.convenor, now=timezone.now()
    )


@pytest.fixture
def private_assembly(people):
    """A members-only assembly with a roadmap: Amara convenes, Ana is a member; Olu is outside."""
    assembly = membership.create_assembly(
        name="Council",
        slug="council",
        visibility=Assembly.Visibility.MEMBERS,
        creator=people.convenor,
        now=timezone.now(),
    )
    join(assembly, [people.ana], by=people.convenor)
    roadmap_services.import_roadmap(assembly=assembly, text=SMALL_ROADMAP, by=people.convenor, now=timezone.now())
    return assembly


def first_item(assembly):
    from assemblies.roadmap.models import Item

    return (
        Item.objects.filter(roadmap__assembly=assembly)
        .select_related("space__assembly", "roadmap")
        .order_by("pk")
        .first()
    )


def amend(item, author, text, *, base_version=None, title="A better wording"):
    base_version = base_version or item.roadmap.head
    return contributions.propose_amendment(
        author=author,
        item=item,
        base_version=base_version,
        change="edit",
        text=text,
        title=title,
        submission_key=key(),
        now=timezone.now(),
    )
