"""A member's own contributions across assemblies, and those they co-signed, with what became of each."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assemblies.roadmap import rules, selectors
from frontend.views.common import paginate

PER_PAGE = 20


@login_required
@require_safe
def index(request):
    # Only assemblies the person may still read: leaving a members-only assembly hides what they wrote there.
    visible = rules.contributions_visible_to(request.user)
    return render(
        request,
        "frontend/account/contributions.html",
        {
            "authored": paginate(request, selectors.authored_by(request.user, visible), per_page=PER_PAGE),
            "cosigned": paginate(
                request, selectors.cosigned_by(request.user, visible), per_page=PER_PAGE, param="cpage"
            ),
        },
    )
