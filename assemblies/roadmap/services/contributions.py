"""Proposals and amendments: writing, editing with history, rebasing, co-signing, withdrawing, tabling."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    require,
)
from assemblies.common.text import TITLE_MAX, clean_item_text, clean_text
from assemblies.membership.models import Space
from assemblies.membership.services.notifications import notify
from assemblies.roadmap import rules
from assemblies.roadmap.models import (
    Contribution,
    ContributionRevision,
    Item,
    RoadmapVersion,
    Support,
    VersionItem,
)
from assemblies.roadmap.selectors import current_text


class AmendmentConflict(Conflict):
    """The text an amendment was written against has changed since; it must be rebased."""

    def __init__(self, message, *, base_text: str, current_text: str | None):
        super().__init__(message)
        self.base_text = base_text
        self.current_text = current_text


def record_revision(contribution: Contribution, *, note: str, now: datetime) -> ContributionRevision:
    return ContributionRevision.objects.create(
        contribution=contribution,
        number=contribution.revision,
        title=contribution.title,
        text=contribution.text,
        base_version=contribution.base_version,
        base_text=contribution.base_text,
        note=note[:200],
        created_at=now,
    )


def conflict_of(amendment: Contribution) -> AmendmentConflict | None:
    """Why this amendment cannot be applied as written now, or None when it can."""
    if amendment.target_item_id:
        current = current_text(amendment.target_item)
        if current is None:
            return AmendmentConflict(
                _("The item was removed from the roadmap after this amendment was written."),
                base_text=amendment.base_text,
                current_text=None,
            )
        if current != amendment.base_text:
            return AmendmentConflict(
                _("The item's text changed after this amendment was written: it must be rebased."),
                base_text=amendment.base_text,
                current_text=current,
            )
    elif amendment.target_proposal_id:
        proposal = amendment.target_proposal
        if amendment.base_revision != proposal.revision:
            return AmendmentConflict(
                _("The proposal was edited after this amendment was written: it must be rebased."),
                base_text=amendment.base_text,
                current_text=proposal.text,
            )
    return None


def _clean_key(submission_key: str) -> str:
    key = (submission_key or "").strip()
    if not (16 <= len(key) <= 64) or not key.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(_("The form expired: please submit it again."), field=None)
    return key


def _existing(key: str, author) -> Contribution | None:
    """A double click resubmits the same form: answer with what the first click created."""
    return Contribution.objects.filter(submission_key=key, author=author).first()


def _create(fields: dict, *, now: datetime) -> Contribution:
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(created_at=now, updated_at=now, **fields)
            record_revision(contribution, note="", now=now)
    except IntegrityError:
        existing = _existing(fields["submission_key"], fields["author"])
        if existing is None:
            raise InvalidInput(_("The form expired: please submit it again.")) from None
        return existing
    return contribution


def propose(*, space: Space, author, title: str, text: str, submission_key: str, now: datetime) -> Contribution:
    """A member proposes a new roadmap item in a space in drafting."""
    require(rules.can_propose(author, space))
    title = clean_text(title, field="title", max_length=TITLE_MAX)
    text = clean_text(text, field="text")
    key = _clean_key(submission_key)
    existing = _existing(key, author)
    if existing is not None:
        return existing
    return _create(
        {
            "kind": Contribution.Kind.PROPOSAL,
            "space": space,
            "author": author,
            "title": title,
            "text": text,
            "submission_key": key,
        },
        now=now,
    )


def propose_amendment(
    *,
    author,
    change: str,
    text: str,
    title: str = "",
    submission_key: str,
    now: datetime,
    item: Item | None = None,
    base_version: RoadmapVersion | None = None,
    proposal: Contribution | None = None,
    base_revision: int | None = None,
) -> Contribution:
    """Amend a roadmap item (against the version the author saw) or an open proposal (against its revision).

    A form whose base is stale (the text changed since the author loaded it) is refused with
    AmendmentConflict carrying both texts, so that the page can show the change and keep what was typed.
    """
    if (item is None) == (proposal is None):
        raise InvalidInput(_("An amendment changes either a roadmap item or a proposal."))
    require(rules.can_amend_item(author, item) if item is not None else rules.can_amend_proposal(author, proposal))
    if change not in Contribution.Change.values:
        raise InvalidInput(_("Choose what the amendment does."), field="change")
    key = _clean_key(submission_key)
    title = clean_text(title, field="title", required=False, max_length=TITLE_MAX)
    if item is not None:
        if base_version is None or base_version.roadmap_id != item.roadmap_id:
            raise InvalidInput(_("The roadmap version this amendment is based on is missing."))
        base_text = VersionItem.objects.filter(version=base_version, item=item).values_list("text", flat=True).first()
        if base_text is None:
            raise InvalidInput(_("This item is not in the version you were reading."))
        space = item.space
    else:
        if change == Contribution.Change.DELETE:
            raise InvalidInput(
                _("A proposal is withdrawn by its author or rejected by a vote, not amended away."), field="change"
            )
        if base_revision is None:
            raise InvalidInput(_("The proposal revision this amendment is based on is missing."))
        base_text = (
            ContributionRevision.objects.filter(contribution=proposal, number=base_revision)
            .values_list("text", flat=True)
            .first()
        )
        if base_text is None:
            raise InvalidInput(_("This proposal has no such revision."))
        space = proposal.space
    if change == Contribution.Change.DELETE:
        text = ""
    else:
        text = clean_item_text(text) if item is not None else clean_text(text, field="text")
        if text == base_text:
            raise InvalidInput(_("The amended text is the same as the current one."), field="text")
    existing = _existing(key, author)
    if existing is not None:
        return existing
    if item is not None:
        current = current_text(item)
        if current != base_text:
            raise AmendmentConflict(
                _("The item changed while you were writing: compare with its new text and submit again."),
                base_text=base_text,
                current_text=current,
            )
    elif base_revision != proposal.revision:
        raise AmendmentConflict(
            _("The proposal was edited while you were writing: compare with its new text and submit again."),
            base_text=base_text,
            current_text=proposal.text,
        )
    amendment = _create(
        {
            "kind": Contribution.Kind.AMENDMENT,
            "space": space,
            "author": author,
            "title": title,
            "text": text,
            "change": change,
            "target_item": item,
            "target_proposal": proposal,
            "base_version": base_version,
            "base_revision": base_revision,
            "base_text": base_text,
            "submission_key": key,
        },
        now=now,
    )
    if proposal is not None and proposal.author_id != author.pk:
        notify(
            users=[proposal.author],
            assembly=space.assembly,
            kind="amended",
            text=_("%(name)s amended your proposal “%(title)s”.") % {"name": author.name, "title": proposal.title},
            url=amendment.get_absolute_url(),
            now=now,
        )
    return amendment


def edit(*, contribution: Contribution, editor, title: str, text: str, now: datetime) -> Contribution:
    """The author edits an open contribution; every edit is kept as a revision."""
    require(rules.can_edit_contribution(editor, contribution))
    with transaction.atomic():
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        require(rules.can_edit_contribution(editor, contribution))
        new_title = clean_text(
            title, field="title", required=contribution.kind == Contribution.Kind.PROPOSAL, max_length=TITLE_MAX
        )
        if contribution.kind == Contribution.Kind.AMENDMENT and contribution.change == Contribution.Change.DELETE:
            new_text = ""
        elif contribution.target_item_id:
            new_text = clean_item_text(text)
        else:
            new_text = clean_text(text, field="text")
        if (new_title, new_text) == (contribution.title, contribution.text):
            raise InvalidInput(_("Nothing was changed."), field="text")
        contribution.title, contribution.text = new_title, new_text
        contribution.revision += 1
        contribution.updated_at = now
        contribution.save(update_fields=["title", "text", "revision", "updated_at"])
        record_revision(contribution, note="edited", now=now)
    return contribution


def rebase(*, amendment: Contribution, author, text: str, now: datetime) -> Contribution:
    """The author rewrites an amendment in conflict against the current text, which becomes its base."""
    require(rules.can_edit_contribution(author, amendment))

    with transaction.atomic():
        amendment = (
            Contribution.objects.select_for_update(of=("self",))
            .select_related("target_item__roadmap", "target_proposal")
            .get(pk=amendment.pk)
        )
        if conflict_of(amendment) is None:
            raise InvalidInput(_("This amendment is not in conflict: edit it instead."))
        if amendment.target_item_id:
            current = current_text(amendment.target_item)
            if current is None:
                raise NotAllowed(_("The item was removed from the roadmap: this amendment can only be withdrawn."))
            amendment.base_version = amendment.target_item.roadmap.head
            amendment.base_text = current
            new_text = "" if amendment.change == Contribution.Change.DELETE else clean_item_text(text)
        else:
            proposal = amendment.target_proposal
            amendment.base_revision = proposal.revision
            amendment.base_text = proposal.text
            new_text = clean_text(text, field="text")
        if amendment.change != Contribution.Change.DELETE and new_text == amendment.base_text:
            raise InvalidInput(_("The amended text is the same as the current one."), field="text")
        amendment.text = new_text
        amendment.revision += 1
        amendment.updated_at = now
        amendment.save(update_fields=["base_version", "base_revision", "base_text", "text", "revision", "updated_at"])
        record_revision(amendment, note="rebased", now=now)
    return amendment


def withdraw(*, contribution: Contribution, by, now: datetime) -> Contribution:
    require(rules.can_withdraw(by, contribution))
    with transaction.atomic():
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        require(rules.can_withdraw(by, contribution))
        contribution.status = Contribution.Status.WITHDRAWN
        contribution.decided_at = now
        contribution.save(update_fields=["status", "decided_at"])
    return contribution


def support(*, contribution: Contribution, user, now: datetime) -> Support:
    require(rules.can_support(user, contribution))
    try:
        with transaction.atomic():
            return Support.objects.create(contribution=contribution, user=user, created_at=now)
    except IntegrityError:
        return Support.objects.get(contribution=contribution, user=user)


def withdraw_support(*, contribution: Contribution, user, now: datetime) -> None:
    require(rules.can_withdraw_support(user, contribution))
    with transaction.atomic():
        Support.objects.filter(contribution=contribution, user=user).delete()


def table(*, contribution: Contribution, by, now: datetime) -> Contribution:
    """A convenor tables an open text for decision: from now on it is frozen."""
    require(rules.can_table(by, contribution))
    with transaction.atomic():
        contribution = (
            Contribution.objects.select_for_update(of=("self",))
            .select_related("space__assembly", "author")
            .get(pk=contribution.pk)
        )
        require(rules.can_table(by, contribution))
        if contribution.is_amendment:
            if conflict_of(contribution) is not None:
                raise NotAllowed(
                    _(
                        "This amendment is in conflict with the current text: its author must rebase it before it can be tabled."  # noqa: E501
                    )
                )
        contribution.status = Contribution.Status.TABLED
        contribution.tabled_at = now
        contribution.save(update_fields=["status", "tabled_at"])
        supporters = [s.user for s in contribution.supports.select_related("user")]
        notify(
            users=[contribution.author, *supporters],
            assembly=contribution.space.assembly,
            kind="tabled",
            text=_("Tabled for decision: %(title)s") % {"title": str(contribution)},
            url=contribution.get_absolute_url(),
            now=now,
        )
        audit.record(
            assembly=contribution.space.assembly,
            actor=by,
            action=audit.Action.CONTRIBUTION_TABLE,
            target=contribution,
            now=now,
        )
    return contribution
