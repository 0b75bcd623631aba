from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from assemblies.accounts import services
from frontend.forms.accounts import AccountForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    form = AccountForm.for_user(request.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.update_account(user=request.user, **form.cleaned_data)
        except services.InvalidAccountChange as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Your account was saved."))
            response = redirect("account_profile")
            if request.user.language:
                set_language_cookie(response, request.user.language)
            return response
    status = 400 if form.is_bound else 200
    return render(request, "frontend/account/profile.html", {"form": form}, status=status)


@require_POST
def set_language(request):
    """Django's language switch, also saved on the account of a signed-in person."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.update_account(
            user=request.user,
            display_name=request.user.display_name,
            language=language,
            notify_by_email=request.user.notify_by_email,
        )
    return response


def set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
