"""A world with something behind every URL, for the access, bad-input and XSS tests (helpers only).

Two assemblies built alike through the services, one public and one members-only, each with a roadmap, a
proposal and an amendment, a debate with a message, a live session, a pending invitation, a join link, a
join request, a draft poll, an open roll-call poll with a ballot, a closed poll and a published edition.
The same seven people play every role: anonymous, observer, member, moderator, convenor, a member of
another assembly, and a removed member.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from assemblies.debates.services import debates, live_sessions
from assemblies.membership.models import Role
from assemblies.membership.services import membership
from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions, editions, roadmap
from polls import selectors as poll_selectors
from polls import services as poll_services
from tests import factories

ROLES = ("anonymous", "observer", "member", "moderator", "convenor", "other", "removed")
PARTICIPANTS = frozenset({"member", "moderator", "convenor"})
OUTSIDERS = frozenset({"anonymous", "other", "removed"})


@dataclass
class Site:
    """One assembly's objects: what the URL patterns need."""

    assembly: object
    slug: str
    code: str
    ref: str
    proposal: object
    amendment: object
    debate: object
    message: object
    session: object
    invitation: object
    join_link: object
    join_request: object
    target: object  # a member the convenor may change, mute or remove
    draft: object
    poll: object
    closed: object
    seq: int
    edition: object
    names: list = field(default_factory=list)  # titles that must never show to outsiders


@dataclass
class World:
    people: dict
    public: Site
    private: Site
    other_assembly: object


def _key() -> str:
    return secrets.token_urlsafe(18)


def build_site(
    people: dict,
    *,
    name: str,
    visibility: str,
    text_prefix: str = "",
    description: str = "",
    roadmap_text: str = factories.SMALL_ROADMAP,
) -> Site:
    """`text_prefix` starts every title and text people write (the XSS test puts its payloads there)."""
    now = timezone.now()
    convenor = people["convenor"]
    label = text_prefix or name  # what titles start with
    target = factories.user(f"{label} target"[-80:])
    assembly = membership.create_assembly(
        name=name, description=description, visibility=visibility, creator=convenor, now=now
    )
    for person, role in [
        (people["observer"], Role.OBSERVER),
        (people["member"], Role.MEMBER),
        (people["moderator"], Role.MODERATOR),
        (people["removed"], Role.MEMBER),
        (target, Role.MEMBER),
    ]:
        _invitation, token = membership.invite(assembly=assembly, by=convenor, email=person.email, role=role, now=now)
        membership.accept_invitation(token=token, user=person, now=now)
    roadmap.import_roadmap(assembly=assembly, text=roadmap_text, by=convenor, now=now, reason=f"{text_prefix}import")
    membership.remove_member(assembly=assembly, by=convenor, member=people["removed"], now=now)
    space = assembly.spaces.get(code="DIG")
    item = Item.objects.get(roadmap__assembly=assembly, ref="DIG-1")
    proposal = contributions.propose(
        space=space,
        author=people["member"],
        title=f"{label} proposal",
        text=f"{text_prefix}A proposal of {name}.",
        submission_key=_key(),
        now=now,
    )
    amendment = contributions.propose_amendment(
        author=people["member"],
        item=item,
        change="edit",
        text=f"{text_prefix}An amended text of {name}.",
        title=f"{label} amendment",
        base_version=item.roadmap.head,
        submission_key=_key(),
        now=now,
    )
    debate = debates.debate_for(space=space, now=now)
    message = debates.post_message(
        debate=debate, author=people["member"], text=f"{text_prefix}A point about {name}.", now=now
    )
    session = live_sessions.start_session(
        assembly=assembly, by=convenor, title=f"{label} session", debates=[debate], now=now
    )
    invitation, _token = membership.invite(
        assembly=assembly, by=convenor, email=f"guest-{_key()}@example.org".lower(), now=now
    )
    join_link = membership.create_join_link(assembly=assembly, by=convenor, now=now)
    join_request = None  # a members-only assembly admits by invitation only
    if visibility == "public":
        applicant = factories.user(f"{label[:60]} applicant")
        join_request = membership.request_to_join(assembly=assembly, user=applicant, message="Let me in.", now=now)

    def poll(title, **overrides):
        arguments = dict(
            assembly=assembly,
            by=convenor,
            title=title,
            question=f"{text_prefix}Shall we?",
            subject_type="motion",
            subject_refs=[],
            contributions=[],
            options=poll_selectors.yes_no_abstain_options(),
            method={"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0},
            secrecy="roll-call",
            revote="last-counts",
            delivery="",
            opens_at=None,
            closes_at=now + timedelta(days=1),
            now=now,
        )
        arguments.update(overrides)
        return poll_services.create_poll(**arguments)

    draft = poll(f"{label} draft poll")
    opened = poll_services.open_poll(poll=poll(f"{label} open poll"), by=convenor, now=now).poll
    receipt = poll_services.cast_roll_call(poll=opened, user=people["member"], choice="yes", now=now)
    closed = poll_services.open_poll(poll=poll(f"{label} closed poll"), by=convenor, now=now).poll
    poll_services.cast_roll_call(poll=closed, user=convenor, choice="no", now=now)
    closed = poll_services.close_poll(poll=closed, now=closed.closes_at + timedelta(seconds=1))
    edition = editions.publish_edition(
        roadmap=item.roadmap,
        version_number=1,
        name=f"{label[:100]} edition 2026",
        notes=f"{text_prefix}The first edition of {name}.",
        by=convenor,
        now=now,
    )
    # A second version, not yet an edition, and a reason that pages show.
    roadmap.edit_item(
        item=Item.objects.get(roadmap__assembly=assembly, ref="DIG-2"),
        by=convenor,
        now=now,
        text=f"{text_prefix}Train members in digital skills, twice a year.",
        reason=f"{text_prefix}clarity",
    )
    return Site(
        assembly=assembly,
        slug=assembly.slug,
        code="DIG",
        ref="DIG-1",
        proposal=proposal,
        amendment=amendment,
        debate=debate,
        message=message,
        session=session,
        invitation=invitation,
        join_link=join_link,
        join_request=join_request,
        target=target,
        draft=draft,
        poll=opened,
        closed=closed,
        seq=receipt["seq"],
        edition=edition,
        names=[name, f"{name} proposal", f"{name} open poll", f"{name} session"],
    )


def build_world() -> World:
    people = {role: factories.user(role.title()) for role in ROLES if role != "anonymous"}
    people["anonymous"] = AnonymousUser()
    public = build_site(people, name="Open Forum", visibility="public")
    private = build_site(people, name="Secret Council", visibility="members")
    other_assembly = factories.assembly(people["other"], name="Elsewhere Cooperative")
    return World(people=people, public=public, private=private, other_assembly=other_assembly)


def url_kwargs(site: Site) -> dict:
    """A value for every URL parameter name used by the project's patterns, taken from `site`."""
    return {
        "slug": site.slug,
        "code": site.code,
        "ref": site.ref,
        "number": 1,
        "fmt": "json",
        "pk": site.proposal.pk,
        "message_id": site.message.pk,
        "user_id": site.target.pk,
        "public_id": site.poll.public_id,
        "seq": site.seq,
        "edition_slug": site.edition.slug,
        "token": site.join_link.token,
        "action": "raise",
    }
