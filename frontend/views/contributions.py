"""Proposals and amendments: writing them, their page, and what authors and convenors do with them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from assemblies.common.errors import DomainError
from assemblies.debates import selectors as debate_selectors
from assemblies.membership import selectors as membership_selectors
from assemblies.roadmap import rules
from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.core.diff import three_way, word_diff
from assemblies.roadmap.models import Contribution
from assemblies.roadmap.services import contributions as contribution_services
from assemblies.roadmap.services import roadmap as roadmap_services
from frontend.forms.roadmap import (
    AmendItemForm,
    AmendProposalForm,
    DecisionForm,
    EditContributionForm,
    ProposalForm,
    RebaseForm,
)
from frontend.views.common import (
    act,
    form_error,
    login_redirect,
    now,
    paginate,
    refused,
    roadmap_or_404,
    role_label,
    visible_assembly,
)

REVISIONS_PER_PAGE = 10
AMENDMENTS_PER_PAGE = 20


def _contribution_or_404(assembly, pk, *, kind=None):
    contribution = roadmap_selectors.contribution_in(assembly, pk)
    if contribution is None or (kind is not None and contribution.kind != kind):
        raise Http404
    return contribution


def _url(contribution, name="contribution"):
    return reverse(name, args=[contribution.space.assembly.slug, contribution.pk])


def _three_way(base_text, amended_text, current_text):
    """The comparison shown when an amendment's base moved on (None when the item is gone)."""
    if current_text is None:
        return None
    return three_way(base_text, amended_text, current_text)


# Writing ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def propose(request, slug, code):
    assembly = visible_assembly(request, slug)
    space = membership_selectors.space_by_code(assembly, code)
    if space is None:
        raise Http404
    if (response := login_redirect(request)) is not None:
        return response
    verdict = rules.can_propose(request.user, space)
    title = _("Propose an item in “%(space)s”") % {"space": space.title}
    if request.method != "POST" and not verdict:
        return refused(request, verdict, title=title, back=space.get_absolute_url())
    form = ProposalForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                proposal = contribution_services.propose(
                    space=space, author=request.user, now=now(), **form.cleaned_data
                )
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Your proposal was published."))
                return redirect(_url(proposal))
    return render(
        request,
        "frontend/contributions/propose.html",
        {"assembly": assembly, "space": space, "form": form, "title": title},
        status=status,
    )


def _with_new_base(form_class, data, name, value):
    """The same form, as typed, with its hidden base moved to the current one: resubmitting then works."""
    data = data.copy()
    data[name] = str(value)
    form = form_class(data)
    form.is_valid()
    return form


@require_http_methods(["GET", "HEAD", "POST"])
def amend_item(request, slug, ref):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    item = roadmap_selectors.item_by_ref(roadmap, ref)
    if item is None:
        raise Http404
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Amend %(ref)s") % {"ref": item.ref}
    back = reverse("item", args=[slug, item.ref])
    verdict = rules.can_amend_item(request.user, item)
    current = roadmap_selectors.current_text(item)
    if request.method != "POST":
        if not verdict:
            return refused(request, verdict, title=title, back=back)
        if current is None:
            return refused(
                request,
                _("This item was removed from the roadmap: it cannot be amended."),
                title=title,
                status=409,
                back=back,
            )
        form = AmendItemForm(initial={"text": current, "base_version": roadmap.head.number})
        return render(
            request,
            "frontend/contributions/amend_item.html",
            {"assembly": assembly, "item": item, "form": form, "current": current, "title": title},
        )
    form = AmendItemForm(request.POST)
    comparison, status = None, 400
    if form.is_valid():
        data = form.cleaned_data
        base = roadmap_selectors.version_of(roadmap, data["base_version"], with_document=False)
        try:
            amendment = contribution_services.propose_amendment(
                author=request.user,
                item=item,
                base_version=base,
                change=data["change"],
                text=data["text"],
                title=data["title"],
                submission_key=data["submission_key"],
                now=now(),
            )
        except contribution_services.AmendmentConflict as conflict:
            form = _with_new_base(AmendItemForm, request.POST, "base_version", roadmap.head.number)
            status = form_error(form, conflict)
            comparison = _three_way(conflict.base_text, data["text"].strip(), conflict.current_text)
        except DomainError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Your amendment was published."))
            return redirect(_url(amendment))
    return render(
        request,
        "frontend/contributions/amend_item.html",
        {
            "assembly": assembly,
            "item": item,
            "form": form,
            "current": current,
            "title": title,
            "three_way": comparison,
            "deleting": request.POST.get("change") == Contribution.Change.DELETE,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def amend_proposal(request, slug, pk):
    assembly = visible_assembly(request, slug)
    proposal = _contribution_or_404(assembly, pk, kind=Contribution.Kind.PROPOSAL)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Amend the proposal “%(title)s”") % {"title": proposal}
    verdict = rules.can_amend_proposal(request.user, proposal)
    if request.method != "POST":
        if not verdict:
            return refused(request, verdict, title=title, back=_url(proposal))
        form = AmendProposalForm(initial={"text": proposal.text, "base_revision": proposal.revision})
        return render(
            request,
            "frontend/contributions/amend_proposal.html",
            {"assembly": assembly, "proposal": proposal, "form": form, "title": title},
        )
    form = AmendProposalForm(request.POST)
    comparison, status = None, 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            amendment = contribution_services.propose_amendment(
                author=request.user,
                proposal=proposal,
                base_revision=data["base_revision"],
                change=data["change"],
                text=data["text"],
                title=data["title"],
                submission_key=data["submission_key"],
                now=now(),
            )
        except contribution_services.AmendmentConflict as conflict:
            form = _with_new_base(AmendProposalForm, request.POST, "base_revision", proposal.revision)
            status = form_error(form, conflict)
            comparison = _three_way(conflict.base_text, data["text"].strip(), conflict.current_text)
        except DomainError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Your amendment was published."))
            return redirect(_url(amendment))
    return render(
        request,
        "frontend/contributions/amend_proposal.html",
        {
            "assembly": assembly,
            "proposal": proposal,
            "form": form,
            "title": title,
            "three_way": comparison,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = _contribution_or_404(assembly, pk)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Edit “%(title)s”") % {"title": contribution}
    verdict = rules.can_edit_contribution(request.user, contribution)
    if request.method != "POST" and not verdict:
        return refused(request, verdict, title=title, back=_url(contribution))
    form = EditContributionForm(
        request.POST if request.method == "POST" else None,
        initial={"title": contribution.title, "text": contribution.text},
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                contribution_services.edit(
                    contribution=contribution, editor=request.user, now=now(), **form.cleaned_data
                )
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Your changes were saved as a new revision."))
                return redirect(_url(contribution))
    return render(
        request,
        "frontend/contributions/edit.html",
        {"assembly": assembly, "contribution": contribution, "form": form, "title": title},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def rebase(request, slug, pk):
    assembly = visible_assembly(request, slug)
    amendment = _contribution_or_404(assembly, pk, kind=Contribution.Kind.AMENDMENT)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Rebase “%(title)s”") % {"title": amendment}
    verdict = rules.can_edit_contribution(request.user, amendment)
    if not verdict:
        return refused(request, verdict, title=title, back=_url(amendment))
    conflict = contribution_services.conflict_of(amendment)
    if conflict is None:
        return refused(
            request,
            _("This amendment is not in conflict: edit it instead."),
            title=title,
            status=409,
            back=_url(amendment, "contribution_edit"),
        )
    if conflict.current_text is None:
        return refused(
            request,
            conflict.message + " " + _("It can only be withdrawn."),
            title=title,
            status=409,
            back=_url(amendment),
        )
    comparison = three_way(amendment.base_text, amendment.text, conflict.current_text)
    form = RebaseForm(
        request.POST if request.method == "POST" else None,
        initial={"text": comparison.merged if comparison.merged is not None else amendment.text},
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                contribution_services.rebase(
                    amendment=amendment, author=request.user, text=form.cleaned_data["text"], now=now()
                )
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Your amendment now applies to the current text."))
                return redirect(_url(amendment))
    return render(
        request,
        "frontend/contributions/rebase.html",
        {
            "assembly": assembly,
            "contribution": amendment,
            "form": form,
            "title": title,
            "conflict": conflict,
            "three_way": comparison,
            "deleting": amendment.change == Contribution.Change.DELETE,
        },
        status=status,
    )


# The page ---------------------------------------------------------------------------------------------


def _revisions(request, contribution):
    """A page of revisions, newest first, each with its diff from the revision before it, in one query:
    revisions are numbered 1 to `contribution.revision` without gaps, so the page is known beforehand."""
    page = paginate(request, range(contribution.revision, 0, -1), per_page=REVISIONS_PER_PAGE, param="rpage")
    numbers = list(page.object_list)
    if not numbers:
        return page, []
    rows = list(
        roadmap_selectors.revisions_of(contribution).filter(number__lte=numbers[0], number__gte=numbers[-1] - 1)
    )
    pairs = []
    for index, revision in enumerate(rows):
        if revision.number < numbers[-1]:
            break  # the revision before the page: only there to diff against
        before = rows[index + 1] if index + 1 < len(rows) else None
        pairs.append(
            {
                "revision": revision,
                "ops": word_diff(before.text, revision.text) if before else None,
                "title_changed": before is not None and before.title != revision.title,
            }
        )
    return page, pairs


def _render_detail(request, assembly, contribution, *, decision_form=None, status=200):
    user = request.user
    live = contribution.status in roadmap_selectors.LIVE_STATUSES
    conflict = contribution_services.conflict_of(contribution) if contribution.is_amendment and live else None
    comparison = None
    if conflict is not None:
        comparison = _three_way(contribution.base_text, contribution.text, conflict.current_text)
    supporters = list(roadmap_selectors.supporters_of(contribution))
    revisions, revision_pairs = _revisions(request, contribution)
    can_decide = rules.can_decide(user, contribution)
    amendments = None
    if contribution.kind == Contribution.Kind.PROPOSAL:
        amendments = paginate(
            request, roadmap_selectors.amendments_of_proposal(contribution), per_page=AMENDMENTS_PER_PAGE, param="apage"
        )
        for amendment in amendments:
            amendment.in_conflict = (
                amendment.status in roadmap_selectors.LIVE_STATUSES and amendment.base_revision != contribution.revision
            )
    context = {
        "assembly": assembly,
        "contribution": contribution,
        "space": contribution.space,
        "role": role_label(user, assembly),
        "amendment_ops": word_diff(contribution.base_text, contribution.text) if contribution.is_amendment else None,
        "conflict": conflict,
        "three_way": comparison,
        "deleting": contribution.change == Contribution.Change.DELETE,
        "supporters": supporters,
        "supported": user.is_authenticated and any(support.user_id == user.pk for support in supporters),
        "revisions": revisions,
        "revision_pairs": revision_pairs,
        "life": debate_selectors.life_of(contribution),
        "amendments": amendments,
        "can_edit": rules.can_edit_contribution(user, contribution),
        "can_withdraw": rules.can_withdraw(user, contribution),
        "can_support": rules.can_support(user, contribution),
        "can_table": rules.can_table(user, contribution),
        "can_decide": can_decide,
        "can_amend": rules.can_amend_proposal(user, contribution)
        if contribution.kind == Contribution.Kind.PROPOSAL
        else None,
        "decision_form": decision_form or (DecisionForm() if can_decide else None),
    }
    return render(request, "frontend/contributions/detail.html", context, status=status)


@require_safe
def detail(request, slug, pk):
    assembly = visible_assembly(request, slug)
    return _render_detail(request, assembly, _contribution_or_404(assembly, pk))


# Actions ----------------------------------------------------------------------------------------------


@require_POST
def withdraw(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = _contribution_or_404(assembly, pk)
    return act(
        request,
        lambda: contribution_services.withdraw(contribution=contribution, by=request.user, now=now()),
        success=_("It was withdrawn."),
        to=_url(contribution),
    )


@require_POST
def support(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = _contribution_or_404(assembly, pk)
    if (response := login_redirect(request)) is not None:
        return response
    if request.POST.get("action") == "withdraw":
        return act(
            request,
            lambda: contribution_services.withdraw_support(contribution=contribution, user=request.user, now=now()),
            success=_("You no longer co-sign it."),
            to=_url(contribution),
        )
    return act(
        request,
        lambda: contribution_services.support(contribution=contribution, user=request.user, now=now()),
        success=_("You co-sign it."),
        to=_url(contribution),
    )


@require_POST
def table(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = _contribution_or_404(assembly, pk)
    return act(
        request,
        lambda: contribution_services.table(contribution=contribution, by=request.user, now=now()),
        success=_("It is tabled for decision: its text is now frozen."),
        to=_url(contribution),
    )


@require_POST
def decide(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = _contribution_or_404(assembly, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, assembly, contribution, decision_form=form, status=400)
    decision = {"note": form.cleaned_data["note"].strip()}
    adopting = form.cleaned_data["outcome"] == "adopt"
    decide_with = roadmap_services.adopt if adopting else roadmap_services.reject
    try:
        outcome = decide_with(contribution=contribution, decision=decision, by=request.user, now=now())
    except DomainError as error:
        status = form_error(form, error)
        return _render_detail(request, assembly, contribution, decision_form=form, status=status)
    if not adopting:
        messages.success(request, _("Recorded: not adopted."))
    elif outcome is not None:
        messages.success(request, _("Adopted into version %(number)d of the roadmap.") % {"number": outcome.number})
    else:
        messages.success(request, _("Adopted: the proposal's text now includes it."))
    return redirect(_url(contribution))
