"""A person's notifications, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from assemblies.membership.models import Notification
from assemblies.membership.services import notifications
from frontend.views.common import now, paginate

NOTIFICATIONS_PER_PAGE = 25


@login_required
@require_safe
def index(request):
    mine = Notification.objects.filter(user=request.user).select_related("assembly").order_by("-created_at", "-pk")
    return render(
        request,
        "frontend/notifications/index.html",
        {
            "notifications": paginate(request, mine, per_page=NOTIFICATIONS_PER_PAGE),
        },
    )


@login_required
@require_POST
def mark_all_read(request):
    count = notifications.mark_read(user=request.user, now=now())
    messages.success(
        request,
        ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("notifications")
