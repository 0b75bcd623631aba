from django.shortcuts import render
from django.views.decorators.http import require_safe

from assemblies.membership import rules
from frontend.views.common import paginate

ASSEMBLIES_PER_PAGE = 30


@require_safe
def home(request):
    assemblies = paginate(
        request, rules.assemblies_visible_to(request.user).order_by("name", "pk"), per_page=ASSEMBLIES_PER_PAGE
    )
    return render(request, "frontend/home.html", {"assemblies": assemblies})
