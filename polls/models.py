"""Polls, their bulletin boards, and the signing keys members enrol in their browsers.

A poll's board (deliberate-board/1, ../shared/specs/board-format.md) is stored line by line as the exact
canonical bytes that were hashed and signed; pages and downloads serve those bytes, never a
re-serialisation. Every change goes through `polls.services`; the rules a race could break (one line per
seq, one use of a nonce, one active browser key per person) are database constraints here.

What is deliberately NOT here, for secret (credential) polls: voting codes, and anything that links a
member to a credential. The eligible members are recorded (`Poll.eligible_voters`), the eligible
credentials are on the board, and nothing joins the two.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Poll(models.Model):
    class SubjectType(models.TextChoices):
        AMENDMENT = "amendment", _("Amendment")
        PROPOSAL = "proposal", _("Proposal")
        PRIORITIES = "priorities", _("Priorities")
        ELECTION = "election", _("Election")
        MOTION = "motion", _("Motion")

    class Secrecy(models.TextChoices):
        ROLL_CALL = "roll-call", _("Roll-call: the board shows who voted what")
        CREDENTIAL = "credential", _("Secret: members vote with anonymous voting codes")

    class Revote(models.TextChoices):
        LAST_COUNTS = "last-counts", _("A member may vote again; the last ballot counts")
        NONE = "none", _("One ballot per member, final")

    class Delivery(models.TextChoices):
        EMAIL = "email", _("By email, to each member")
        PAPER = "paper", _("On paper: printed credential sheets a convenor hands out")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    # The spec's poll id: it salts the derivation of voting codes, so it never changes.
    public_id = models.CharField(max_length=40, unique=True)
    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.PROTECT, related_name="polls")
    space = models.ForeignKey("assemblies.Space", on_delete=models.PROTECT, null=True, blank=True, related_name="polls")
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"), max_length=2000)
    subject_type = models.CharField(max_length=12, choices=SubjectType.choices)
    subject_refs = models.JSONField(default=list, blank=True)
    contributions = models.ManyToManyField("roadmap.Contribution", blank=True, related_name="polls")
    # A poll on a proposal: the text put to the vote (as amended), fixed when the poll opens; it is also in
    # the board's setup question. Empty for other subjects and for drafts.
    subject_text = models.TextField(blank=True)
    options = models.JSONField(default=list)  # [{"id": str, "label": str}], as on the board
    method = models.JSONField(default=dict)  # the spec's method object, exactly
    secrecy = models.CharField(max_length=10, choices=Secrecy.choices)
    revote = models.CharField(max_length=11, choices=Revote.choices)
    delivery = models.CharField(max_length=5, choices=Delivery.choices, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    weights = models.JSONField(default=dict, blank=True)  # {str(user id): int >= 1}; absent means 1
    # Secret until the result line reveals it; only its hash is in the setup.
    tiebreak_seed = models.CharField(max_length=64)
    # Frozen when the poll opens: the members with a voting role at that moment (no credential here).
    eligible_voters = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="eligible_polls")
    fingerprint = models.CharField(max_length=64, blank=True)  # entry hash of line 0
    head = models.CharField(max_length=64, blank=True)  # entry hash of the last line
    last_seq = models.IntegerField(default=-1)  # -1: no line yet
    ballot_count = models.PositiveIntegerField(default=0)  # ballot lines, superseded ones included
    result = models.JSONField(null=True, blank=True)  # the result line's body
    result_entry = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="poll_closes_after_it_opens",
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "open", "closed"]), name="poll_status_known"),
            models.CheckConstraint(condition=Q(secrecy="roll-call") | ~Q(delivery=""), name="secret_poll_has_delivery"),
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("poll", args=[self.public_id])

    @property
    def is_secret(self) -> bool:
        return self.secrecy == self.Secrecy.CREDENTIAL

    @property
    def kind(self) -> str:
        return self.method.get("kind", "")

    def accepts_ballots_at(self, now) -> bool:
        return (
            self.status == self.Status.OPEN and (self.opens_at is None or self.opens_at <= now) and now < self.closes_at
        )


class BoardLine(models.Model):
    """One line of a poll's board: its exact canonical bytes (without the newline) and its entry hash."""

    class Type(models.TextChoices):
        SETUP = "setup", "setup"
        BALLOT = "ballot", "ballot"
        CHECKPOINT = "checkpoint", "checkpoint"
        CLOSE = "close", "close"
        RESULT = "result", "result"

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="lines")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=10, choices=Type.choices)
    data = models.BinaryField()
    entry_hash = models.CharField(max_length=64)
    # Ballots only: copied out of the line so that revotes, replays and tracker look-ups are indexed.
    cred = models.CharField(max_length=43, blank=True)
    nonce = models.CharField(max_length=22, null=True, blank=True)  # noqa: DJ001 (NULLs stay distinct under the one-nonce constraint)
    tracker = models.CharField(max_length=24, blank=True, db_index=True)

    class Meta:
        ordering = ["poll", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "seq"], name="board_line_seq_unique"),
            # A replayed ballot (same nonce) is refused by the database even if a check were skipped.
            models.UniqueConstraint(
                fields=["poll", "nonce"], condition=Q(type="ballot"), name="board_ballot_nonce_unique"
            ),
        ]
        indexes = [models.Index(fields=["poll", "cred"])]

    def __str__(self):
        return f"{self.poll.public_id} line {self.seq} ({self.type})"

    @property
    def text(self) -> str:
        return bytes(self.data).decode("utf-8")


class VoterKey(models.Model):
    """A public key a member generated in their browser (non-extractable there), for roll-call polls.

    A member with an active key when a roll-call poll opens is listed with this key instead of the
    server-held one, so that only their browser can sign their ballots in that poll.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voter_keys")
    public_key = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True), name="one_active_voter_key"),
        ]

    def __str__(self):
        return f"Browser key of {self.user}"
