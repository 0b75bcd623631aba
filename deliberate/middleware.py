"""Project-wide middleware: the Content-Security-Policy and the account's saved language."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation

# Secret-ballot endpoints: they must not look at who is signed in (see polls.services.cast_with_code).
ANONYMOUS_PATHS = re.compile(r"^/polls/[^/]+/(vote-by-code/|ballots$)")

# No inline script and no third party: the one script is ours, served from static/. Styles come from
# our stylesheet; inline SVG charts carry presentation attributes, which CSP does not govern.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


class AccountLanguageMiddleware:
    """A signed-in person's saved interface language wins over the browser's.

    Runs after LocaleMiddleware and AuthenticationMiddleware; an empty saved language leaves the
    browser's (or the language cookie's) choice in place.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        if ANONYMOUS_PATHS.match(request.path_info):
            return self.get_response(request)
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
