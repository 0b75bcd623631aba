"""`python manage.py load_demo`: the demo assembly, its people and a realistic history, idempotently."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from assemblies.accounts import services
from assemblies.accounts.models import User
from assemblies.debates.services import debates, live_sessions
from assemblies.membership.models import Assembly, Phase, Role
from assemblies.membership.services import membership, spaces
from assemblies.roadmap import SEED_ROADMAP
from assemblies.roadmap.models import Contribution, Item, Roadmap
from assemblies.roadmap.services import contributions, editions, roadmap
from deliberate.demo import load_demo_decisions, load_demo_polls
from polls.models import Poll

DEMO_PASSWORD = "demo-deliberate"
DEMO_SLUG = "sse-forum"
ROADMAP_FILE = SEED_ROADMAP
DEMO_PEOPLE = [
    ("convenor@demo.deliberate.test", "Amara (convenor)", Role.CONVENOR),
    ("moderator@demo.deliberate.test", "Bruno (moderator)", Role.MODERATOR),
    ("ana@demo.deliberate.test", "Ana", Role.MEMBER),
    ("kofi@demo.deliberate.test", "Kofi", Role.MEMBER),
    ("lea@demo.deliberate.test", "Léa", Role.MEMBER),
    ("mateo@demo.deliberate.test", "Mateo", Role.MEMBER),
    ("nadia@demo.deliberate.test", "Nadia", Role.MEMBER),
    ("olu@demo.deliberate.test", "Olu", Role.MEMBER),
    ("observer@demo.deliberate.test", "Oscar (observer)", Role.OBSERVER),
]


DEMO_DEBATE = [
    ("kofi", "for", "DIG-1 first: without an ethical frame, every other digital tool inherits the same problems."),
    ("nadia", "question", "Does DIG-5 mean building our own AI tools, or using existing ones responsibly?"),
    (
        "ana",
        "information",
        "Our federation trained 300 members in 2023; the divide (DIG-3) is still the first obstacle they name.",
    ),
    ("mateo", "against", "I would put DIG-2 last: democratic voting tools exist already, **we use one now**."),
]


class Command(BaseCommand):
    help = "Create the demo people, assembly and history; running it again changes nothing."

    def handle(self, *args, **options):
        people = self.people()
        assembly = Assembly.objects.filter(slug=DEMO_SLUG).first()
        if assembly is None:
            # The story's notifications stay in the site: its emails are not printed or sent.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                assembly = self.assembly(people)
            self.stdout.write(f"Created the demo assembly /a/{DEMO_SLUG}/ with the imported roadmap and its history.")
        else:
            self.stdout.write(f"The demo assembly /a/{DEMO_SLUG}/ is already there.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            polls = load_demo_polls(assembly, people)
            if polls:
                polls += load_demo_decisions(assembly, people, start=timezone.now() - timedelta(days=9))
        if polls:
            self.stdout.write(f"Created {len(polls)} demo polls: /polls/a/{DEMO_SLUG}/")
            edition = self.edition(assembly, people["convenor"])
            self.stdout.write(f"Published the edition “{edition.name}”: {edition.get_absolute_url()}")
            session = self.live_session(assembly, people)
            self.stdout.write(f"A live session is running: {session.get_absolute_url()}")
        self.stdout.write("Demo log-ins (password for all: %s):" % DEMO_PASSWORD)
        for email, _name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {role:<10} {email}")

    def edition(self, assembly: Assembly, convenor: User):
        """The roadmap as the polls left it, published with its generated release notes."""
        roadmap_ = Roadmap.objects.select_related("head").get(assembly=assembly)  # as the polls left it
        head = roadmap_.head
        notes = editions.release_notes(roadmap=roadmap_, version=head)
        return editions.publish_edition(
            roadmap=roadmap_,
            version_number=head.number,
            name="Roadmap 2026",
            notes="The roadmap after the first round of amendments and priorities.\n\n" + notes,
            by=convenor,
            now=timezone.now(),
        )

    def live_session(self, assembly: Assembly, people: dict[str, User]):
        """The open priorities poll's debate, a few messages in it, and a running session on it: the chair
        (the convenor) closes the poll from the session, members raise their hands and vote."""
        poll = Poll.objects.filter(assembly=assembly, status=Poll.Status.OPEN, subject_type="priorities").first()
        space = assembly.spaces.get(code="DIG")
        now = timezone.now().replace(microsecond=0)
        debate = debates.debate_for(poll=poll, now=now) if poll else debates.debate_for(space=space, now=now)
        for minutes, (author, stance, text) in enumerate(DEMO_DEBATE):
            debates.post_message(
                debate=debate,
                author=people[author],
                text=text,
                stance=stance,
                now=now - timedelta(minutes=40 - 3 * minutes),
            )
        session = live_sessions.start_session(
            assembly=assembly,
            by=people["convenor"],
            title="Online plenary: priorities of the digital tools",
            debates=[debate, debates.debate_for(space=space, now=now)],
            speaking_seconds=180,
            now=now,
        )
        live_sessions.raise_hand(session=session, user=people["lea"], now=now)
        return session

    def people(self) -> dict[str, User]:
        people = {}
        with transaction.atomic():
            for email, name, _role in DEMO_PEOPLE:
                user = User.objects.filter(email__iexact=email).first()
                if user is None:
                    user = services.create_account(email=email, password=DEMO_PASSWORD, display_name=name)
                people[email.split("@")[0]] = user
        return people

    @transaction.atomic
    def assembly(self, people) -> Assembly:
        # The story starts three weeks ago, so that its versions and decisions have a plausible past.
        start = timezone.now() - timedelta(days=21)
        at = lambda days: start + timedelta(days=days)  # noqa: E731
        convenor = people["convenor"]
        assembly = membership.create_assembly(
            name="International SSE Forum",
            slug=DEMO_SLUG,
            visibility="public",
            description="The network co-constructs its 2022–2024 roadmap: the action items adopted at the "
            "Mont Blanc Meetings – Americas, amended and prioritised by its members.",
            languages=["en", "es", "fr", "pt"],
            creator=convenor,
            now=at(0),
        )
        for email, _name, role in DEMO_PEOPLE[1:]:
            person = people[email.split("@")[0]]
            _invitation, token = membership.invite(assembly=assembly, by=convenor, email=email, role=role, now=at(0))
            membership.accept_invitation(token=token, user=person, now=at(0))
        roadmap.import_roadmap(
            assembly=assembly,
            text=ROADMAP_FILE.read_text(encoding="utf-8"),
            by=convenor,
            now=at(1),
            reason="The roadmap as published after the Mont Blanc Meetings – Americas, Cartagena, October 2022.",
        )

        def item(ref):
            return Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref=ref)

        def amend(author, ref, text, day, change="edit", title=""):
            return contributions.propose_amendment(
                author=people[author],
                item=item(ref),
                change=change,
                text=text,
                title=title,
                base_version=item(ref).roadmap.head,
                submission_key=secrets.token_urlsafe(18),
                now=at(day),
            )

        # An amendment adopted by the convenor's recorded decision: version 2.
        adopted = amend(
            "ana",
            "DIG-1",
            "Develop and formalise a preventive, ethical and feminist approach to the digital SSE, "
            "with open standards and data that stay in the hands of the communities.",
            2,
            title="An ethical digital SSE that communities control",
        )
        contributions.support(contribution=adopted, user=people["lea"], now=at(2))
        contributions.support(contribution=adopted, user=people["olu"], now=at(3))
        contributions.table(contribution=adopted, by=convenor, now=at(4))
        roadmap.adopt(
            contribution=adopted,
            decision={"note": "Adopted by consensus at the online plenary."},
            by=convenor,
            now=at(5),
        )

        # A new item proposed, co-signed, and amended by another member.
        proposal = contributions.propose(
            space=assembly.spaces.get(code="DIG"),
            author=people["kofi"],
            title="Free and open-source tools",
            text="Prefer free and open-source software and shared infrastructure for the digital tools of SSE "
            "organisations, and pool their maintenance across networks.",
            submission_key=secrets.token_urlsafe(18),
            now=at(6),
        )
        contributions.support(contribution=proposal, user=people["mateo"], now=at(6))
        contributions.propose_amendment(
            author=people["nadia"],
            proposal=proposal,
            base_revision=proposal.revision,
            change="edit",
            text="Prefer free and open-source software and shared infrastructure for the digital tools of SSE "
            "organisations, pool their maintenance across networks, and train members to use them.",
            title="Add training",
            submission_key=secrets.token_urlsafe(18),
            now=at(7),
        )

        # An amendment overtaken by an editorial change: it is in conflict until its author rebases it.
        amend(
            "mateo",
            "DIG-3",
            "Fight against the digital divide and digital exclusion, with public access points "
            "and training, to allow access to the greatest number.",
            8,
            title="Access points and training",
        )
        roadmap.edit_item(
            item=item("DIG-3"),
            by=convenor,
            now=at(9),
            reason="Clearer wording agreed by the drafting group.",
            text="Fight the digital divide and digital exclusion so that the greatest number have access.",
        )
        # A deletion proposed and rejected.
        rejected = amend("olu", "STA-6", "", 10, change="delete", title="Leave blockchains out")
        contributions.table(contribution=rejected, by=convenor, now=at(11))
        roadmap.reject(contribution=rejected, decision={"note": "The plenary kept the item."}, by=convenor, now=at(12))

        # Phases: most spaces draft; one deliberates, one is closed.
        spaces.set_phase(space=assembly.spaces.get(code="EDU"), by=convenor, phase=Phase.DELIBERATION, now=at(13))
        spaces.set_phase(space=assembly.spaces.get(code="PUBP"), by=convenor, phase=Phase.CLOSED, now=at(13))
        assert Contribution.objects.filter(space__assembly=assembly).count() >= 4
        return assembly
