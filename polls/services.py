"""Every state change of polls: create, open, cast, close, and browser keys.

Each service takes keyword-only arguments (including `now`), runs in one transaction, and raises one of
the domain errors below when it refuses; the pages map them to a message and a status code. The board is
written with the pure core (`polls.core.board`): the server builds exactly the lines the standalone
verifier checks.

Keys. The board key comes from `DELIBERATE_BOARD_KEY`; it signs the board-signed entries and receipts,
and, as the eligibility issuer, the eligibility list. Roll-call members' custodial keys are derived from
it on demand and never stored: seed = HMAC-SHA256(board seed, "deliberate/v1/rollcall\\0" + poll id +
"\\0" + user id). Voting codes of secret polls are generated when the poll opens, delivered, and
forgotten: nothing stored, logged or published links a member to a credential.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import Conflict, InvalidInput, NotAllowed
from assemblies.common.events import publish
from assemblies.common.text import clean_text
from assemblies.membership.models import VOTING_ROLES, Assembly, Membership, Space
from assemblies.roadmap.models import Contribution
from assemblies.roadmap.services.contributions import conflict_of
from polls import rules, selectors
from polls.core import board as core_board
from polls.core import tally as core_tally
from polls.core.canonical import (
    JSONFormatError,
    b64u_decode,
    format_time,
    is_b64u,
    parse_json,
)
from polls.core.credentials import InvalidVotingCode, derive_credential, new_voting_code
from polls.core.signing import (
    BoardKey,
    load_board_key,
    private_key_from_seed,
    public_b64u,
    strict_point_encoding,
)
from polls.models import BoardLine, Poll, VoterKey
from polls.outcomes import RANKING_KINDS, apply_outcome
from polls.signals import poll_changed

# Secret polls need enough voters for a ballot not to point at its voter.
MIN_SECRET_VOTERS = 5
CHECKPOINT_EVERY = 100
TITLE_MAX = 200
QUESTION_MAX = 2000
LABEL_MAX = 300
MAX_OPTIONS = 100
MAX_BALLOT_BYTES = 64 * 1024
_ROLLCALL_DST = b"deliberate/v1/rollcall\x00"


# Errors ----------------------------------------------------------------------------------------------
# Each is of one kind of the domain's errors (assemblies.common.errors), which gives its status at the edge.


class InvalidPoll(InvalidInput):
    """What was submitted to create a poll cannot be used; `field` names the culprit."""


class TooFewForSecrecy(InvalidInput):
    """A secret poll needs at least MIN_SECRET_VOTERS eligible members."""


class PollNotOpen(Conflict):
    """The poll is not open yet (a draft, or before its opening time); or not due to close."""


class PollClosed(Conflict):
    """The poll is closed, or its closing time has passed."""


class AlreadyOpen(Conflict):
    """The poll was already opened."""


class AmendmentsFirst(PollNotOpen):
    """Parliamentary order: amendments to the proposal are not decided yet; the message names them."""


class AmendmentInConflict(PollNotOpen):
    """An amendment to decide was overtaken by an adopted change: it could never be applied."""


class NotEligible(NotAllowed):
    """This person or credential is not on the poll's frozen list."""


class InvalidBallot(InvalidInput):
    """The ballot cannot be appended: the message says why (the core's reason, in words)."""


class ReplayedBallot(Conflict):
    """This exact ballot (its nonce) is already on the board."""


class WrongCode(NotAllowed):
    """The voting code is malformed, or is not a code of this poll."""


class AlreadyVoted(Conflict):
    """A second ballot of one credential in a poll whose revote policy is none."""


class BrowserKeyRequired(Conflict):
    """The member enrolled a browser key before the poll opened: only that browser can sign."""


class InvalidKey(InvalidInput):
    """A public key that cannot be enrolled."""


# Keys ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _parse_board_key(text: str) -> BoardKey:
    return load_board_key(text)


def board_key() -> BoardKey:
    """The configured board key (parsed once per distinct setting)."""
    return _parse_board_key(settings.DELIBERATE_BOARD_KEY)


def custodial_key(poll: Poll, user_id: int):
    """The roll-call key the server holds for a member in a poll: derived, never stored."""
    message = _ROLLCALL_DST + poll.public_id.encode("utf-8") + b"\x00" + str(user_id).encode("ascii")
    return private_key_from_seed(hmac.new(board_key().seed, message, hashlib.sha256).digest())


# The setup of each open poll, validated once per process (it can hold thousands of credentials).
_SETUPS: dict[tuple[int, str], core_board.Setup] = {}


def setup_of(poll: Poll) -> core_board.Setup:
    """The poll's validated setup (its line 0), cached by (poll, fingerprint)."""
    key = (poll.pk, poll.fingerprint)
    setup = _SETUPS.get(key)
    if setup is None:
        data = BoardLine.objects.filter(poll_id=poll.pk, seq=0).values_list("data", flat=True).first()
        if data is None:
            raise PollNotOpen(_("This poll is not open yet."))
        setup = core_board.load_setup(bytes(data))
        if len(_SETUPS) >= 256:
            _SETUPS.clear()
        _SETUPS[key] = setup
    return setup


# Creating ------------------------------------------------------------------------------------------------


def new_public_id() -> str:
    """ "p-" and 10 random lowercase base32 characters (50 bits)."""
    return "p-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:10].lower()


def _whole_seconds(moment: datetime | None) -> datetime | None:
    # The board writes times without fractions; keep the database in step with it.
    return moment.replace(microsecond=0) if moment is not None else None


def _clean(value, *, field: str, max_length: int, required: bool = True) -> str:
    try:
        return clean_text(value, field=field, max_length=max_length, required=required)
    except InvalidInput as error:
        raise InvalidPoll(error.message, field=field) from None


def _clean_options(options) -> list[dict]:
    if not isinstance(options, list) or not options:
        raise InvalidPoll(_("A poll needs at least one option."), field="options")
    if len(options) > MAX_OPTIONS:
        raise InvalidPoll(_("A poll has at most %(n)d options.") % {"n": MAX_OPTIONS}, field="options")
    cleaned = []
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("id"), str):
            raise InvalidPoll(_("Every option needs an id and a label."), field="options")
        cleaned.append(
            {"id": option["id"], "label": _clean(option.get("label"), field="options", max_length=LABEL_MAX)}
        )
    return cleaned


def _voting_members(assembly: Assembly):
    return (
        Membership.objects.filter(assembly=assembly, role__in=VOTING_ROLES).select_related("user").order_by("user_id")
    )


def _clean_weights(weights, *, secrecy: str, assembly: Assembly) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for key, value in (weights or {}).items():
        if type(value) is not int or value < 1 or value > 10**6:
            raise InvalidPoll(_("A weight is a whole number from 1 to 1,000,000."), field="weights")
        if value != 1:
            cleaned[str(int(key))] = value
    if cleaned and secrecy == Poll.Secrecy.CREDENTIAL:
        raise InvalidPoll(
            _(
                "A secret poll gives every member the weight 1: a distinctive weight would show on the board "
                "which anonymous credential belongs to its holder."
            ),
            field="weights",
        )
    members = set(
        Membership.objects.filter(assembly=assembly, user_id__in=[int(k) for k in cleaned]).values_list(
            "user_id", flat=True
        )
    )
    if any(int(key) not in members for key in cleaned):
        raise InvalidPoll(_("Weights can only be given to members of this assembly."), field="weights")
    return cleaned


def create_poll(
    *,
    assembly: Assembly,
    by,
    title: str,
    question: str,
    subject_type: str,
    subject_refs: list[str],
    contributions: list[Contribution],
    options: list[dict],
    method: dict,
    secrecy: str,
    revote: str,
    delivery: str = "",
    opens_at: datetime | None,
    closes_at: datetime,
    weights: dict | None = None,
    space: Space | None = None,
    now: datetime,
) -> Poll:
    """A convenor tables a poll (a draft: nothing is on a board until it opens).

    Guarantees a method and options that the board format accepts, a secret poll with a delivery and no
    weights other than 1, and at least MIN_SECRET_VOTERS voting members for a secret poll (checked again
    when it opens).
    """
    verdict = rules.can_create_poll(by, assembly)
    if not verdict:
        raise NotAllowed(verdict.reason)
    title = _clean(title, field="title", max_length=TITLE_MAX)
    question = _clean(question, field="question", max_length=QUESTION_MAX)
    if subject_type not in Poll.SubjectType.values:
        raise InvalidPoll(_("Choose what the poll decides."), field="subject_type")
    refs = [str(ref) for ref in subject_refs or []]
    if any(not ref or len(ref) > 80 for ref in refs):
        raise InvalidPoll(_("A subject reference is empty or too long."), field="subject_type")
    contributions = list(contributions or [])
    if any(c.space.assembly_id != assembly.pk for c in contributions):
        raise InvalidPoll(_("A poll decides texts of its own assembly only."), field="subject_type")
    if space is not None and space.assembly_id != assembly.pk:
        raise InvalidPoll(_("This space belongs to another assembly."), field="space")
    options = _clean_options(options)
    try:
        core_tally.validate_method(method, [option["id"] for option in options])
    except core_tally.InvalidMethod as error:
        raise InvalidPoll(
            _("The method and options do not fit: %(reason)s.") % {"reason": error}, field="method"
        ) from None
    if subject_type == Poll.SubjectType.PRIORITIES and method.get("kind") not in RANKING_KINDS:
        raise InvalidPoll(
            _(
                "Priorities need a method that ranks every item: approval, dot voting, score, majority judgment or "
                "Schulze."
            ),
            field="kind",
        )
    if secrecy not in Poll.Secrecy.values:
        raise InvalidPoll(_("Choose roll-call or secret."), field="secrecy")
    if revote not in Poll.Revote.values:
        raise InvalidPoll(_("Choose whether members may vote again."), field="revote")
    if secrecy == Poll.Secrecy.CREDENTIAL:
        if delivery not in Poll.Delivery.values:
            raise InvalidPoll(_("Choose how the voting codes are delivered."), field="delivery")
    else:
        delivery = ""
    opens_at, closes_at = _whole_seconds(opens_at), _whole_seconds(closes_at)
    if closes_at is None:
        raise InvalidPoll(_("Choose when the poll closes."), field="closes_at")
    if closes_at <= max(opens_at or now, now):
        raise InvalidPoll(_("The poll must close after it opens, and in the future."), field="closes_at")
    weights = _clean_weights(weights, secrecy=secrecy, assembly=assembly)
    if secrecy == Poll.Secrecy.CREDENTIAL:
        voters = _voting_members(assembly).count()
        if voters < MIN_SECRET_VOTERS:
            raise TooFewForSecrecy(_too_few_message(voters), field="secrecy")
    with transaction.atomic():
        poll = Poll.objects.create(
            public_id=new_public_id(),
            assembly=assembly,
            space=space,
            title=title,
            question=question,
            subject_type=subject_type,
            subject_refs=refs,
            options=options,
            method=dict(method),
            secrecy=secrecy,
            revote=revote,
            delivery=delivery,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=by,
            created_at=now,
            weights=weights,
            tiebreak_seed=core_board.new_tiebreak_seed().hex(),
        )
        if contributions:
            poll.contributions.set(contributions)
            _announce(poll, [c.pk for c in contributions])
        audit.record(
            assembly=assembly,
            actor=by,
            action=audit.Action.POLL_CREATE,
            target=poll,
            details={"secrecy": secrecy, "method": method["kind"]},
            now=now,
        )
    return poll


def _announce(poll: Poll, contribution_ids: list[int] | None = None) -> None:
    """Pages open on the debates of the poll's texts learn which poll they now show (see `signals`)."""
    poll_changed.send(sender=Poll, poll=poll, contribution_ids=contribution_ids)


def _too_few_message(count: int) -> str:
    return _(
        "A secret poll needs at least %(min)d members with a voting role; this assembly has %(count)d. "
        "With fewer, a published ballot could point at its voter: use a roll-call poll instead."
    ) % {"min": MIN_SECRET_VOTERS, "count": count}


# Opening --------------------------------------------------------------------------------------------------


@dataclass
class Opened:
    """What opening a poll returns: the poll and, for paper delivery only, the voting codes, in random
    order and without names, to print once. They exist nowhere else."""

    poll: Poll
    paper_codes: list[str] = field(default_factory=list)


def _append(poll: Poll, entry_type: str, body: dict, **ballot_fields) -> BoardLine:
    """Append one line after the poll's head; the caller holds the poll's row lock and saves the poll."""
    seq = poll.last_seq + 1
    prev = poll.head if seq else core_board.GENESIS_PREV
    line = core_board.make_entry(poll.public_id, seq, prev, entry_type, body, board_key=board_key())
    digest = core_board.entry_hash(line)
    row = BoardLine.objects.create(poll=poll, seq=seq, type=entry_type, data=line, entry_hash=digest, **ballot_fields)
    poll.last_seq = seq
    poll.head = digest
    return row


def open_poll(*, poll: Poll, by, now: datetime) -> Opened:
    """Freeze the eligibility list, write the setup line, and (secret polls) issue the voting codes.

    Roll-call: each member is listed with their enrolled browser key, or else the server's custodial key.
    Secret: one fresh code per member; only the public keys go on the board, sorted, without members;
    codes are emailed after commit (the link carries the code in its fragment, which browsers never send)
    or returned once for printing. Then they are forgotten. Parliamentary order (`_fix_texts`): a poll on a
    proposal waits for the amendments tabled against it and votes on the text as amended.
    """
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("assembly").get(pk=poll.pk)
        if poll.status != Poll.Status.DRAFT:
            raise AlreadyOpen(_("This poll was already opened."))
        verdict = rules.can_open_poll(by, poll)
        if not verdict:
            raise NotAllowed(verdict.reason)
        if now >= poll.closes_at:
            raise PollClosed(_("Its closing time has passed: table a new poll with new times."))
        subject_text, question = _fix_texts(poll)
        members = list(_voting_members(poll.assembly))
        if not members:
            raise NotEligible(_("No member has a voting role: nobody could vote."))
        codes: list[str] = []
        if poll.is_secret:
            if len(members) < MIN_SECRET_VOTERS:
                raise TooFewForSecrecy(_too_few_message(len(members)))
            codes = [new_voting_code() for _member in members]
            credentials = [{"pub": public_b64u(derive_credential(code, poll.public_id)), "w": 1} for code in codes]
        else:
            browser_keys = dict(
                VoterKey.objects.filter(user__in=[m.user_id for m in members], revoked_at__isnull=True).values_list(
                    "user_id", "public_key"
                )
            )
            credentials = [
                {
                    "pub": browser_keys.get(m.user_id) or public_b64u(custodial_key(poll, m.user_id)),
                    "w": poll.weights.get(str(m.user_id), 1),
                    "member": {"id": str(m.user_id), "name": m.user.name},
                }
                for m in members
            ]
        opens_at = poll.opens_at if poll.opens_at and poll.opens_at > now else _whole_seconds(now)
        key = board_key()
        body = core_board.make_setup_body(
            poll.public_id,
            title=poll.title,
            question=question,
            assembly={"slug": poll.assembly.slug, "name": poll.assembly.name},
            subject={"type": poll.subject_type, "refs": poll.subject_refs},
            options=poll.options,
            method=poll.method,
            secrecy=poll.secrecy,
            revote=poll.revote,
            opens=opens_at,
            closes=poll.closes_at,
            tiebreak_commit=core_board.tiebreak_commit(bytes.fromhex(poll.tiebreak_seed)),
            board_key=key,
            credentials=credentials,
            issuer=key,
        )
        _append(poll, "setup", body)
        poll.fingerprint = poll.head
        poll.status = Poll.Status.OPEN
        poll.opens_at = opens_at
        poll.opened_at = now
        poll.subject_text = subject_text
        poll.save(update_fields=["last_seq", "head", "fingerprint", "status", "opens_at", "opened_at", "subject_text"])
        poll.eligible_voters.set([m.user_id for m in members])
        audit.record(
            assembly=poll.assembly,
            actor=by,
            action=audit.Action.POLL_OPEN,
            target=poll,
            details={"secrecy": poll.secrecy, "eligible": len(members)},
            now=now,
        )
        publish(f"poll.{poll.pk}", {"type": "poll.opened"})
        _announce(poll)
        if poll.is_secret and poll.delivery == Poll.Delivery.EMAIL:
            letters = [(m.user.email, m.user.language, code) for m, code in zip(members, codes)]
            transaction.on_commit(functools.partial(_email_codes, poll, letters))
            codes = []
    secrets.SystemRandom().shuffle(codes)
    return Opened(poll=poll, paper_codes=codes)


def _fix_texts(poll: Poll) -> tuple[str, str]:
    """Parliamentary order, checked under the poll's row lock when it opens; returns (the text put to the
    vote, the setup's question).

    A poll on a proposal opens only once every amendment tabled against it is decided (adopted, rejected
    or withdrawn), and then votes on the proposal's text as amended: that text is fixed here, in the
    poll (`subject_text`) and in the board's setup question, so the board says what was voted. A poll on
    an amendment that an adopted change overtook (its base moved on: `conflict_of`) cannot open, since
    the amendment could never be applied.
    """

    if poll.subject_type == Poll.SubjectType.AMENDMENT:
        texts = poll.contributions.select_related("target_item__roadmap", "target_proposal").order_by("pk")
        overtaken = [
            c
            for c in texts
            if c.is_amendment
            and c.status in (Contribution.Status.OPEN, Contribution.Status.TABLED)
            and conflict_of(c) is not None
        ]
        if overtaken:
            raise AmendmentInConflict(
                _(
                    "An adopted change overtook %(list)s: the text it amends is no longer the one it was written "
                    "against, so it could never be applied. Record it as not adopted (or its author withdraws it), "
                    "then table a poll on what remains."
                )
                % {"list": _names(overtaken)}
            )
        return "", poll.question
    if poll.subject_type != Poll.SubjectType.PROPOSAL:
        return "", poll.question
    # Locked so that no amendment is applied to them between this check and the setup line.
    proposals = list(
        Contribution.objects.select_for_update()
        .filter(pk__in=poll.contributions.filter(kind=Contribution.Kind.PROPOSAL).values("pk"))
        .order_by("pk")
    )
    pending = selectors.amendments_to_decide_first(poll)
    if pending:
        raise AmendmentsFirst(
            _(
                "Amendments to this proposal must be decided first (adopted, rejected or withdrawn), so that the "
                "vote is on the text as amended: %(list)s."
            )
            % {"list": _names(pending)}
        )
    if len(proposals) != 1:
        return "", poll.question
    proposal = proposals[0]
    amended_by = list(
        Contribution.objects.filter(target_proposal=proposal, status=Contribution.Status.ADOPTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if amended_by:
        heading = _("The text put to the vote, as amended by %(list)s:") % {
            "list": ", ".join(f"#{pk}" for pk in amended_by)
        }
    else:
        heading = _("The text put to the vote:")
    return proposal.text, f"{poll.question}\n\n{heading}\n\n{proposal.text}"


def _names(contributions: list[Contribution]) -> str:
    return "; ".join(
        (f"#{c.pk} “{c.title}”" if c.title else f"#{c.pk}") + f" ({c.get_status_display().lower()})"
        for c in contributions
    )


def code_link(poll: Poll, code: str) -> str:
    """The vote-by-code address with the code in its fragment (never sent to the server by browsers)."""
    return f"{settings.DELIBERATE_BASE_URL}{reverse('poll_vote_code', args=[poll.public_id])}#code={code}"


def _email_codes(poll: Poll, letters: list[tuple[str, str, str]]) -> None:
    """Send each member their code. Runs after commit; a failed send is not retried (nothing can
    re-issue the same code) and is never logged with the address or the code."""
    messages = []
    for email, language, code in letters:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("[%(site)s] Your voting code: %(title)s") % {
                "site": settings.DELIBERATE_SITE_NAME,
                "title": poll.title,
            }
            body = _(
                "%(assembly)s opened a secret poll: %(title)s\n\n%(question)s\n\n"
                "Your voting code (keep it to yourself; it works for this poll only):\n\n    %(code)s\n\n"
                "Vote here (the code stays in your browser when JavaScript is on):\n%(link)s\n\n"
                "Nobody, not even the server, keeps a record of which code was sent to you. "
                "Lost codes cannot be sent again."
            ) % {
                "assembly": poll.assembly.name,
                "title": poll.title,
                "question": poll.question,
                "code": code,
                "link": code_link(poll, code),
            }
        messages.append(EmailMessage(subject[:150], body, None, [email]))
    get_connection(fail_silently=True).send_messages(messages)


# Casting ---------------------------------------------------------------------------------------------------


def _check_accepting(poll: Poll, now: datetime) -> None:
    if poll.status == Poll.Status.DRAFT:
        raise PollNotOpen(_("This poll is not open yet."))
    if poll.status == Poll.Status.CLOSED or now >= poll.closes_at:
        raise PollClosed(_("This poll is closed: no more ballots are accepted."))
    if poll.opens_at is not None and now < poll.opens_at:
        raise PollNotOpen(_("Voting starts at %(time)s (UTC).") % {"time": format_time(poll.opens_at)})


# What appending a ballot reads of the locked poll (its large JSON fields are left in the database).
_APPEND_FIELDS = (
    "public_id",
    "status",
    "opens_at",
    "closes_at",
    "revote",
    "fingerprint",
    "head",
    "last_seq",
    "ballot_count",
)


def _checked_ballot(poll: Poll, body: dict) -> str:
    """Check a ballot against the poll's setup (eligibility, choice, signature...) and return its tracker.

    Needs no lock: an open poll's setup and fingerprint never change, and `cast` compares the fingerprint
    checked here with the locked row's before appending.
    """
    setup = setup_of(poll)
    cred = body.get("cred")
    if is_b64u(cred, 32) and cred not in setup.cred_index and body.get("poll") == poll.public_id:
        raise NotEligible(_("This credential is not on the poll's list of eligible voters."))
    try:
        core_board.check_ballot(setup, poll.fingerprint, body)
    except core_board.InvalidBallot as error:
        raise InvalidBallot(_("The ballot was refused: %(reason)s.") % {"reason": error}) from None
    return core_board.tracker(body)


def cast(*, poll: Poll, body, now: datetime) -> dict:
    """Append a signed ballot body as the next line and return its signed receipt.

    The one append path of ballots: the poll's row is locked, so concurrent casts form one chain. Refuses
    a ballot the format would refuse (InvalidBallot, NotEligible), a replayed ballot (ReplayedBallot), a
    second ballot of a credential under revote "none" (AlreadyVoted), and any ballot outside the voting
    time. Publishes the new turnout after commit; never the ballot.

    The lock serialises every cast of a poll, so the work that needs no lock (parsing the setup, checking
    the signature) is done before taking it, and only the append holds it: one locking read, one insert,
    one update. A replay is refused by the unique constraint on (poll, nonce), which rolls the whole
    transaction back.
    """
    if not isinstance(body, dict):
        raise InvalidBallot(_("A ballot is a JSON object."))
    checked_fp, tracker_code = "", ""
    if poll.status == Poll.Status.OPEN and poll.fingerprint:
        _check_accepting(poll, now)
        tracker_code, checked_fp = _checked_ballot(poll, body), poll.fingerprint
    with transaction.atomic():
        poll = Poll.objects.select_for_update().only(*_APPEND_FIELDS).get(pk=poll.pk)
        _check_accepting(poll, now)
        if poll.fingerprint != checked_fp:  # the poll given was stale (or a draft): check against the locked row
            tracker_code = _checked_ballot(poll, body)
        cred = body["cred"]
        if (
            poll.revote == Poll.Revote.NONE
            and BoardLine.objects.filter(poll=poll, type=BoardLine.Type.BALLOT, cred=cred).exists()
        ):
            raise AlreadyVoted(_("This credential has already voted, and this poll allows one ballot only."))
        try:
            row = _append(poll, "ballot", body, cred=cred, nonce=body["nonce"], tracker=tracker_code)
        except IntegrityError:  # board_ballot_nonce_unique: this exact ballot is on the board already
            raise ReplayedBallot(_("This ballot is already on the board: a ballot is counted once.")) from None
        poll.ballot_count += 1
        if poll.ballot_count % CHECKPOINT_EVERY == 0:
            _append(poll, "checkpoint", core_board.make_checkpoint_body(poll.ballot_count, poll.head, now))
        poll.save(update_fields=["last_seq", "head", "ballot_count"])
        publish(f"poll.{poll.pk}", {"type": "poll.turnout", "count": poll.ballot_count})
    return receipt_for(poll, row)


def receipt_for(poll: Poll, line: BoardLine) -> dict:
    """The signed receipt of a ballot line (deterministic: the same bytes every time it is asked for)."""
    return core_board.make_receipt(
        board_key(),
        poll_id=poll.public_id,
        fp=poll.fingerprint,
        seq=line.seq,
        entry=line.entry_hash,
        tracker=line.tracker,
    )


def _current(poll: Poll) -> Poll:
    """The poll as given when it says it is open (a page just read it; `cast` checks it again under the
    lock, so a poll closed since is still refused), else as the database has it now (a stale draft)."""
    if poll.status == Poll.Status.OPEN and poll.fingerprint:
        return poll
    return Poll.objects.select_related("assembly").get(pk=poll.pk)


def cast_roll_call(*, poll: Poll, user, choice, now: datetime) -> dict:
    """A logged-in member votes with a plain form: the server signs with the key it holds for them."""
    poll = _current(poll)
    if poll.is_secret:
        raise NotAllowed(_("This poll is secret: vote with your voting code."))
    _check_accepting(poll, now)
    verdict = rules.can_vote(user, poll)
    if not verdict:
        raise NotEligible(verdict.reason)
    key = custodial_key(poll, user.pk)
    if public_b64u(key) not in setup_of(poll).cred_index:
        raise BrowserKeyRequired(
            _(
                "You enrolled a signing key in your browser before this poll opened: only that browser can sign "
                "your ballot. Open this page there, with JavaScript on."
            )
        )
    body = core_board.make_ballot_body(poll.public_id, poll.fingerprint, key, choice, signer="server")
    return cast(poll=poll, body=body, now=now)


def cast_with_code(*, poll: Poll, code: str, choice, now: datetime) -> dict:
    """Vote with a voting code, without JavaScript: derive the credential, sign, append, forget the code.

    A code of another poll derives to a credential that is not on this poll's list: WrongCode. Reusing a
    code is a revote under "last-counts" and AlreadyVoted under "none".
    """
    poll = _current(poll)
    if not poll.is_secret:
        raise NotAllowed(_("This is a roll-call poll: log in and vote with the member's form."))
    _check_accepting(poll, now)
    try:
        key = derive_credential(code, poll.public_id)
    except InvalidVotingCode as error:
        raise WrongCode(_("This is not a voting code: %(reason)s.") % {"reason": error}) from None
    if public_b64u(key) not in setup_of(poll).cred_index:
        raise WrongCode(_("This voting code is not valid for this poll. Check it for typos."))
    body = core_board.make_ballot_body(poll.public_id, poll.fingerprint, key, choice, signer="server")
    del key
    return cast(poll=poll, body=body, now=now)


def parse_ballot_json(data: bytes):
    """Parse a ballot posted as JSON (restricted JSON: no floats, no duplicate members)."""
    if len(data) > MAX_BALLOT_BYTES:
        raise InvalidBallot(_("The ballot is too large."))
    try:
        return parse_json(data)
    except JSONFormatError as error:
        raise InvalidBallot(_("The ballot is not valid JSON: %(reason)s.") % {"reason": error}) from None


# Browser keys ----------------------------------------------------------------------------------------------


def enroll_voter_key(*, user, public_key: str, now: datetime) -> VoterKey:
    """Record the public key of a key pair made in the person's browser; it replaces any earlier one.

    It is used by roll-call polls that open from now on (polls already open keep their list).
    """
    if not user.is_authenticated:
        raise NotAllowed(_("Log in to enrol a key."))
    public_key = (public_key or "").strip()
    if not is_b64u(public_key, 32) or not strict_point_encoding(b64u_decode(public_key, 32)):
        raise InvalidKey(_("No usable key was received: creating one needs JavaScript in a recent browser."))
    try:
        with transaction.atomic():
            VoterKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
            return VoterKey.objects.create(user=user, public_key=public_key, created_at=now)
    except IntegrityError:
        raise InvalidKey(_("This key is already enrolled.")) from None


def revoke_voter_key(*, user, now: datetime) -> int:
    """Stop using the person's browser key for polls that open from now on."""
    with transaction.atomic():
        return VoterKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


# Closing -----------------------------------------------------------------------------------------------------


def close_poll(*, poll: Poll, by=None, now: datetime) -> Poll:
    """Append close and result (and a checkpoint before them) in one transaction, and apply the outcome to
    the roadmap in that same transaction (polls.outcomes).

    Before the closing time only a convenor may close, and only when every eligible credential has voted;
    at or after it anyone may (and `close_due_polls` does). A second close raises PollClosed; of two
    concurrent closers, the row lock lets exactly one through.
    """
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("assembly").get(pk=poll.pk)
        if poll.status == Poll.Status.CLOSED:
            raise PollClosed(_("This poll is already closed."))
        if poll.status == Poll.Status.DRAFT:
            raise PollNotOpen(_("This poll was never opened."))
        setup = setup_of(poll)
        if now < poll.closes_at:
            verdict = rules.can_close_poll(by, poll) if by is not None else None
            if not verdict:
                raise NotAllowed(verdict.reason if verdict is not None else _("This poll is not due to close yet."))
            voted = BoardLine.objects.filter(poll=poll, type=BoardLine.Type.BALLOT).values("cred").distinct().count()
            eligible = len(setup.weights)
            if voted < eligible:
                raise NotAllowed(
                    _("A poll closes early only when everyone eligible has voted: %(voted)d of %(eligible)d have.")
                    % {"voted": voted, "eligible": eligible}
                )
        last_type = BoardLine.objects.filter(poll=poll, seq=poll.last_seq).values_list("type", flat=True).first()
        if last_type != BoardLine.Type.CHECKPOINT:
            _append(poll, "checkpoint", core_board.make_checkpoint_body(poll.ballot_count, poll.head, now))
        _append(poll, "close", core_board.make_close_body(now))
        ballots = (
            parse_json(bytes(data))["body"]
            for data in BoardLine.objects.filter(poll=poll, type=BoardLine.Type.BALLOT)
            .order_by("seq")
            .values_list("data", flat=True)
            .iterator(chunk_size=2000)
        )
        body = core_board.make_result_body(setup, ballots, bytes.fromhex(poll.tiebreak_seed))
        row = _append(poll, "result", body)
        poll.result = parse_json(bytes(row.data))["body"]
        poll.result_entry = row.entry_hash
        poll.status = Poll.Status.CLOSED
        poll.closed_at = now
        poll.save(update_fields=["last_seq", "head", "result", "result_entry", "status", "closed_at"])
        apply_outcome(poll, now=now)
        audit.record(
            assembly=poll.assembly,
            actor=by,
            action=audit.Action.POLL_CLOSE,
            target=poll,
            details={"ballots": poll.ballot_count, "automatic": by is None},
            now=now,
        )
        publish(f"poll.{poll.pk}", {"type": "poll.closed"})
        _announce(poll)
    return poll


def close_if_due(*, poll: Poll, now: datetime) -> bool:
    """Close the poll when its closing time has passed; True when this call closed it."""
    if poll.status != Poll.Status.OPEN or now < poll.closes_at:
        return False
    try:
        close_poll(poll=poll, now=now)
    except PollClosed:  # someone else closed it first
        return False
    return True


def close_due_polls(*, now: datetime) -> list[Poll]:
    """Close every open poll past its closing time (for cron); returns those this call closed."""
    closed = []
    for poll in Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=now).order_by("closes_at"):
        if close_if_due(poll=poll, now=now):
            closed.append(poll)
    return closed
