"""Poll pages: the list and the form of a convenor, the poll page, voting (the member's form, the voting-code
form and the JSON API of the JavaScript path), receipts, results, the board and its downloads, and the
enrolment of a browser key.

Each view parses, makes one service call, and renders; a service's refusal becomes a message and a 4xx
status (`STATUS`). The vote-by-code view and the JSON API never look at who is logged in: a secret ballot
must not meet a session.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assemblies.common import ratelimit
from assemblies.common.errors import DomainError, http_status
from assemblies.roadmap.services.contributions import conflict_of
from frontend import poll_charts
from frontend.forms.polls import BallotForm, PollForm
from frontend.views.common import (
    login_redirect,
    now,
    paginate,
    refused,
    visible_assembly,
)
from polls import rules, selectors, services
from polls.core.tally import tie_order
from polls.models import Poll

POLLS_PER_PAGE = 20
# The brief asked for 100; a ballot line carries ~160 bytes of incompressible data (signature, keys, nonce,
# hashes), so 100 lines alone weigh ~19 KB compressed: 50 keep the page within the 14 KB budget.
BOARD_LINES_PER_PAGE = 50


def _cast_wait(request, *, member=None) -> int:
    """Spend one cast from the allowance of the member (the roll-call form) or else of the address (the
    voting-code form and the JSON API, which must not look at who is signed in); 0 when allowed, else the
    seconds to wait. Guards the board and the server's signing against floods and code guessing."""
    if member is not None:
        return ratelimit.spend(f"cast:member:{member.pk}", now=now(), limit=settings.DELIBERATE_CASTS_PER_MINUTE)
    return ratelimit.spend(
        f"cast:address:{ratelimit.address_key(request)}",
        now=now(),
        limit=settings.DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE,
    )


def _too_fast(seconds: int) -> str:
    return _(
        "Too many ballots in the last minute: wait %(seconds)d seconds, then send yours again. Your choice is kept."
    ) % {"seconds": seconds}


def _retry_after(response, seconds: int):
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def _poll(public_id: str) -> Poll:
    poll = selectors.poll_by_public_id(public_id)
    if poll is None:
        raise Http404
    return poll


def _visible_poll(request, public_id: str) -> Poll:
    """The poll, or 404 when it does not exist or is in a private assembly the person is not part of."""
    poll = _poll(public_id)
    if not rules.can_view_poll(request.user, poll):
        raise Http404
    return poll


def _fresh(poll: Poll) -> Poll:
    """Close a poll whose time is up as soon as someone looks at it (cron does it too)."""
    if services.close_if_due(poll=poll, now=now()):
        poll.refresh_from_db()
    return poll


def _base(poll: Poll, **context) -> dict:
    return {"poll": poll, "assembly": poll.assembly, **context}


# The list and the convenor's form ---------------------------------------------------------------------------


@require_GET
def poll_list(request, slug):
    assembly = visible_assembly(request, slug)
    polls = paginate(request, selectors.polls_of(assembly), per_page=POLLS_PER_PAGE)
    return render(
        request,
        "frontend/polls/list.html",
        {
            "assembly": assembly,
            "polls": polls,
            "can_create": rules.can_create_poll(request.user, assembly),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def poll_create(request, slug):
    assembly = visible_assembly(request, slug)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Table a poll in %(assembly)s") % {"assembly": assembly.name}
    verdict = rules.can_create_poll(request.user, assembly)
    if not verdict:
        return refused(request, verdict, title=title, back=reverse("poll_list", args=[slug]))
    form = PollForm(assembly, request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            data, subject = form.cleaned_data, form.subject
            try:
                poll = services.create_poll(
                    assembly=assembly,
                    by=request.user,
                    title=data["title"],
                    question=data["question"],
                    subject_type=subject.type,
                    subject_refs=subject.refs,
                    contributions=subject.contributions,
                    options=subject.options,
                    method=form.method,
                    secrecy=data["secrecy"],
                    revote=data["revote"],
                    delivery=data["delivery"],
                    opens_at=data.get("opens_at"),
                    closes_at=data["closes_at"],
                    weights=data["weights_by_user"],
                    space=subject.space or data.get("space"),
                    now=now(),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = http_status(error)
            else:
                messages.success(request, _("The poll is tabled as a draft. Check it, then open it."))
                return redirect(poll.get_absolute_url())
    return render(
        request, "frontend/polls/create.html", {"assembly": assembly, "form": form, "title": title}, status=status
    )


# The poll page, opening and closing ----------------------------------------------------------------------------


@require_GET
def poll_detail(request, public_id):
    poll = _fresh(_visible_poll(request, public_id))
    user = request.user
    context = _base(
        poll,
        can_open=rules.can_open_poll(user, poll),
        can_vote=rules.can_vote(user, poll) if poll.status == Poll.Status.OPEN else None,
        can_close=rules.can_close_poll(user, poll),
        voted=selectors.voted_credentials(poll) if poll.status != Poll.Status.DRAFT else 0,
        eligible=poll.eligible_voters.count() if poll.status != Poll.Status.DRAFT else None,
        board_key=_board_key_of(poll),
        accepting=poll.accepts_ballots_at(now()),
        contributions=poll.contributions.select_related("space").all(),
        amendments_first=_amendments_first(poll),
    )
    return render(request, "frontend/polls/detail.html", context)


def _amendments_first(poll: Poll) -> list:
    """Parliamentary order: until a poll on a proposal opens, the amendments to decide first, each marked
    when an adopted change put it in conflict (it can then only be rejected or withdrawn)."""
    if poll.status != Poll.Status.DRAFT:
        return []

    amendments = selectors.amendments_to_decide_first(poll)
    for amendment in amendments:
        amendment.in_conflict = conflict_of(amendment) is not None
    return amendments


def _board_key_of(poll: Poll) -> dict:
    if poll.status == Poll.Status.DRAFT:
        return services.board_key().descriptor()
    setup = services.setup_of(poll)
    return {"kid": setup.board_kid, "ed25519": setup.board_pub}


@require_POST
def poll_open(request, public_id):
    poll = _visible_poll(request, public_id)
    if (response := login_redirect(request)) is not None:
        return response
    try:
        opened = services.open_poll(poll=poll, by=request.user, now=now())
    except DomainError as error:
        return refused(
            request,
            error.message,
            title=_("The poll cannot be opened"),
            status=http_status(error),
            back=poll.get_absolute_url(),
        )
    if opened.paper_codes:
        response = render(
            request,
            "frontend/polls/opened.html",
            _base(
                opened.poll,
                codes=opened.paper_codes,
                vote_url=request.build_absolute_uri(reverse("poll_vote_code", args=[poll.public_id])),
            ),
        )
        # The codes exist only in this response: no cache may keep a copy.
        patch_cache_control(response, no_store=True, private=True)
        return response
    messages.success(
        request,
        _("The poll is open.")
        + (" " + _("Each member was emailed their voting code.") if opened.poll.is_secret else ""),
    )
    return redirect(opened.poll.get_absolute_url())


@require_POST
def poll_close(request, public_id):
    poll = _visible_poll(request, public_id)
    if (response := login_redirect(request)) is not None:
        return response
    try:
        services.close_poll(poll=poll, by=request.user, now=now())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(poll.get_absolute_url())
    messages.success(request, _("The poll is closed and its result published."))
    return redirect(reverse("poll_results", args=[poll.public_id]))


# Voting ---------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def poll_vote(request, public_id):
    """A logged-in member's ballot in a roll-call poll (the server signs it, unless their browser does)."""
    poll = _visible_poll(request, public_id)
    if poll.is_secret:
        return redirect(reverse("poll_vote_code", args=[poll.public_id]))
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Vote: %(title)s") % {"title": poll.title}
    verdict = rules.can_vote(request.user, poll)
    if not verdict:
        return refused(request, verdict, title=title, back=poll.get_absolute_url())
    setup = services.setup_of(poll)
    credential = selectors.member_credential(setup, request.user)
    browser_signs = credential != services.public_b64u(services.custodial_key(poll, request.user.pk))
    form = BallotForm(poll, request.POST if request.method == "POST" else None)
    status, wait = 200, 0
    if form.is_bound:
        status = 400
        if wait := _cast_wait(request, member=request.user):
            form.add_error(None, _too_fast(wait))
            status = 429
        elif form.is_valid():
            try:
                receipt = services.cast_roll_call(poll=poll, user=request.user, choice=form.choice, now=now())
            except DomainError as error:
                form.add_error(None, error.message)
                status = http_status(error)
            else:
                messages.success(request, _("Your ballot is on the board."))
                return redirect(reverse("poll_receipt", args=[poll.public_id, receipt["seq"]]))
    return _retry_after(
        render(
            request,
            "frontend/polls/vote.html",
            _base(
                poll,
                form=form,
                title=title,
                credential=credential,
                browser_signs=browser_signs,
                accepting=poll.accepts_ballots_at(now()),
                my_ballots=selectors.member_ballots(poll, credential)[:5],
            ),
            status=status,
        ),
        wait,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def poll_vote_code(request, public_id):
    """Vote with a voting code. No session is consulted: the page treats everyone as anonymous, and the
    code lives only for the request (or, with JavaScript, only in the browser)."""
    request.user = AnonymousUser()  # the templates below must not look the voter up either
    poll = _poll(public_id)
    if not poll.is_secret:
        raise Http404
    form = BallotForm(poll, request.POST if request.method == "POST" else None, with_code=True)
    status, wait = 200, 0
    if form.is_bound:
        status = 400
        if wait := _cast_wait(request):
            form.add_error(None, _too_fast(wait))
            status = 429
        elif form.is_valid():
            try:
                receipt = services.cast_with_code(
                    poll=poll, code=form.cleaned_data["code"], choice=form.choice, now=now()
                )
            except DomainError as error:
                form.add_error("code" if isinstance(error, services.WrongCode) else None, error.message)
                status = http_status(error)
            else:
                return _receipt_page(request, poll, receipt, just_cast=True)
    return _retry_after(
        render(
            request,
            "frontend/polls/vote_code.html",
            _base(
                poll,
                form=form,
                accepting=poll.accepts_ballots_at(now()),
            ),
            status=status,
        ),
        wait,
    )


def _csrf_refusal(request):
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})


@csrf_exempt  # checked below, so that a refusal is JSON like every other answer of this endpoint
@require_POST
def poll_ballots(request, public_id):
    """The JavaScript path: a ballot signed in the browser, posted as JSON; answers the receipt (201)."""
    if _csrf_refusal(request) is not None:
        return JsonResponse({"error": _("The page expired (CSRF check failed): reload it and vote again.")}, status=403)
    poll = selectors.poll_by_public_id(public_id)
    if poll is None:
        return JsonResponse({"error": _("There is no such poll.")}, status=404)
    if wait := _cast_wait(request):
        return _retry_after(JsonResponse({"error": _too_fast(wait), "retry_after": wait}, status=429), wait)
    try:
        data = request.body
    except RawPostDataException:  # a multipart form, already parsed by the CSRF check
        return JsonResponse({"error": _("Post the ballot as JSON (Content-Type: application/json).")}, status=400)
    try:
        receipt = services.cast(poll=poll, body=services.parse_ballot_json(data), now=now())
    except DomainError as error:
        return JsonResponse({"error": error.message}, status=http_status(error))
    return JsonResponse(receipt, status=201)


# Receipts ---------------------------------------------------------------------------------------------------------


def _receipt_of(poll: Poll, seq: int) -> dict:
    line = selectors.ballot_line(poll, seq)
    if line is None:
        raise Http404
    return services.receipt_for(poll, line)


def _receipt_page(request, poll, receipt, *, just_cast=False):
    return render(
        request,
        "frontend/polls/receipt.html",
        _base(
            poll,
            receipt=receipt,
            just_cast=just_cast,
            receipt_json=json.dumps(receipt, indent=1),
        ),
    )


@require_GET
def poll_receipt(request, public_id, seq):
    poll = _visible_poll(request, public_id)
    return _receipt_page(request, poll, _receipt_of(poll, seq))


@require_GET
def poll_receipt_json(request, public_id, seq):
    poll = _visible_poll(request, public_id)
    response = JsonResponse(_receipt_of(poll, seq), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="receipt-{poll.public_id}-{seq}.json"'
    return response


# Results ------------------------------------------------------------------------------------------------------------


@require_GET
def poll_results(request, public_id):
    poll = _fresh(_visible_poll(request, public_id))
    if poll.status != Poll.Status.CLOSED:
        return render(request, "frontend/polls/results.html", _base(poll, result=None))
    result, method = poll.result, poll.method
    labels = {o["id"]: o["label"] for o in poll.options}
    ids = [o["id"] for o in poll.options]
    order = tie_order(bytes.fromhex(result["tiebreak_seed"]), ids)
    kind = poll.kind
    title = _("Result of %(title)s") % {"title": poll.title}
    tally, chart, rows, matrix_rows, grade_rows = result["tally"], None, [], [], []
    if kind == "schulze":
        chart = poll_charts.matrix(ids, labels, tally["pairwise"], title=title)
        matrix_rows = [(n, labels[a], [tally["pairwise"][a].get(b) for b in ids]) for n, a in enumerate(ids, start=1)]
    elif kind == "irv":
        chart = poll_charts.rounds(ids, labels, tally["rounds"], title=title)
        rows = [(labels[o], [r.get(o) for r in tally["rounds"]]) for o in ids]
    elif kind == "majority-judgment":
        chart = poll_charts.grades(ids, labels, method["grades"], tally, title=title)
        grade_rows = [(labels[o], tally[o]) for o in ids]
    else:
        chart = poll_charts.bars([(labels[o], tally[o]) for o in ids], title=title)
        rows = [(labels[o], tally[o]) for o in ids]
    outcome = result["outcome"]
    return render(
        request,
        "frontend/polls/results.html",
        _base(
            poll,
            result=result,
            outcome=outcome,
            chart=chart,
            rows=rows,
            matrix_rows=matrix_rows,
            grade_rows=grade_rows,
            option_numbers=range(1, len(ids) + 1),
            labels=labels,
            ranking=[labels[o] for o in outcome.get("ranking", [])],
            winners=[labels[o] for o in outcome.get("winners", [])],
            eliminated=[labels[o] for o in outcome.get("eliminated", [])],
            tie_order=[labels[o] for o in order],
            grades=method.get("grades", []),
            rounds=range(1, len(tally.get("rounds", [])) + 1) if kind == "irv" else (),
            decided=poll.contributions.select_related("space").order_by("pk"),
            versions=selectors.versions_by_poll(poll.assembly, [poll.public_id]).get(poll.public_id, []),
        ),
    )


# The board and its downloads ---------------------------------------------------------------------------------------


@require_GET
def poll_board(request, public_id):
    poll = _visible_poll(request, public_id)
    lookup = selectors.find_tracker(poll, request.GET["tracker"]) if request.GET.get("tracker") else None
    lines = paginate(request, selectors.board_lines(poll), per_page=BOARD_LINES_PER_PAGE)
    return render(request, "frontend/polls/board.html", _base(poll, lines=lines, lookup=lookup))


@require_GET
def poll_board_jsonl(request, public_id):
    """The board as stored: the exact bytes of each line and a newline, streamed."""
    poll = _visible_poll(request, public_id)
    if poll.status == Poll.Status.DRAFT:
        raise Http404
    response = StreamingHttpResponse(selectors.board_bytes(poll), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{poll.public_id}.jsonl"'
    if poll.status == Poll.Status.CLOSED:
        response["ETag"] = f'"{poll.head}"'  # a closed board never changes
    return response


@require_GET
def poll_board_key(request, public_id):
    poll = _visible_poll(request, public_id)
    return JsonResponse(_board_key_of(poll))


# Browser keys -------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def voter_key(request):
    if (response := login_redirect(request)) is not None:
        return response
    status = 200
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.revoke_voter_key(user=request.user, now=now())
                messages.success(request, _("Your browser key is no longer used for new polls."))
            else:
                services.enroll_voter_key(user=request.user, public_key=request.POST.get("public_key", ""), now=now())
                messages.success(
                    request,
                    _(
                        "Your browser key is enrolled: roll-call polls that open from now on "
                        "list it, and only this browser can sign your ballots in them."
                    ),
                )
        except DomainError as refusal:
            error, status = refusal.message, http_status(refusal)
        else:
            return redirect(reverse("voter_key"))
    return render(
        request,
        "frontend/polls/key.html",
        {"key": selectors.active_voter_key(request.user), "error": error},
        status=status,
    )
