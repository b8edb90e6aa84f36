from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

# Paths a signed-in user may reach before completing two-factor sign-in.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/accessibility/", "/privacy/", "/q/", "/api/", "/fhir/")


def two_factor_exempt(user: object) -> bool:
    """Demo accounts skip two-factor sign-in outside production; real accounts never do."""
    return bool(getattr(user, "is_demo", False) and settings.PARTNERS_ALLOW_DEMO_ACCOUNTS)


CIS2_BACKEND = "partners.accounts.oidc.CIS2AuthenticationBackend"


def two_factor_satisfied(request: HttpRequest) -> bool:
    """Verified with an authenticator, signed in through CIS2 (multi-factor itself), or a demo account."""
    user = request.user
    if two_factor_exempt(user) or user.is_verified():  # type: ignore[union-attr]
        return True
    return request.session.get("_auth_user_backend") == CIS2_BACKEND


class TwoFactorRequiredMiddleware:
    """A signed-in user who has not completed two-factor sign-in sees only the sign-in pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            if getattr(request.user, "must_change_password", False):
                return HttpResponseRedirect(reverse("accounts:password_change"))
            if not two_factor_satisfied(request):
                return HttpResponseRedirect(reverse("accounts:otp_verify"))
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Ends a session after an absolute lifetime, whatever the activity (idle expiry is the cookie age)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get("partners_signed_in_at")
            if started is None:
                request.session["partners_signed_in_at"] = time.time()
            elif time.time() - float(started) > settings.PARTNERS_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "Your session has ended. Sign in again to continue.")
                return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.path}")
        return self.get_response(request)
