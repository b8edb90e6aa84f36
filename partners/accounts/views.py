from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.accounts.forms import OTPForm, PasswordForm, SignInForm
from partners.accounts.middleware import two_factor_exempt, two_factor_satisfied
from partners.accounts.navigation import home_url
from partners.accounts.services import password_change, totp_device_confirm, totp_device_for_setup
from partners.audit.actor import Actor
from partners.audit.models import Action, SecurityAlert
from partners.audit.services import audit_record
from partners.common.types import AuthedRequest


def _next_url(request: HttpRequest, user: object) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return home_url(getattr(user, "role", ""))


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and two_factor_satisfied(request):
        return redirect(home_url(request.user.role))
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            audit_record(actor=Actor.from_request(request, user=user), action=Action.SIGN_IN,
                         object_type="user", object_id=user.pk)
            if user.must_change_password:
                request.session["partners_next"] = _next_url(request, user)
                return redirect("accounts:password_change")
            if two_factor_exempt(user):
                return HttpResponseRedirect(_next_url(request, user))
            has_device = any(d.confirmed for d in devices_for_user(user))
            target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
            request.session["partners_next"] = _next_url(request, user)
            return redirect(target)
        if getattr(request, "axes_locked_out", False):
            SecurityAlert.objects.create(
                kind=SecurityAlert.Kind.LOCKOUT, raised_at=_now(),
                message=f"Sign-in locked for username {request.POST.get('username', '')[:150]!r} "
                        f"from {request.META.get('REMOTE_ADDR')}",
            )
            return render(request, "accounts/locked_out.html", status=429)
    return render(request, "accounts/sign_in.html", {"form": form, "next": request.GET.get("next", ""),
                                                     "oidc_enabled": settings.OIDC_ENABLED})


def _now():
    from django.utils import timezone

    return timezone.now()


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthedRequest) -> HttpResponse:
    if two_factor_satisfied(request):
        return redirect(home_url(request.user.role))
    devices = [d for d in devices_for_user(request.user) if d.confirmed]
    if not devices:
        return redirect("accounts:otp_setup")
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].replace(" ", "")
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                return HttpResponseRedirect(request.session.pop("partners_next", home_url(request.user.role)))
        form.add_error("token", "The security code is not right, or has expired. Try the newest code.")
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: AuthedRequest) -> HttpResponse:
    if two_factor_exempt(request.user):
        return redirect(home_url(request.user.role))
    if any(d.confirmed for d in devices_for_user(request.user)) and not two_factor_satisfied(request):
        return redirect("accounts:otp_verify")
    device = totp_device_for_setup(user=request.user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            codes = totp_device_confirm(user=request.user, device=device)
            otp_login(request, device)
            return render(request, "accounts/otp_backup_codes.html",
                          {"codes": codes, "next": request.session.pop("partners_next", home_url(request.user.role))})
        form.add_error("token", "The security code is not right. Check the time on your phone and try again.")
    return render(request, "accounts/otp_setup.html", {"form": form, **_qr_context(device)})


def _qr_context(device: TOTPDevice) -> dict[str, str]:
    import base64

    import segno

    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_data_uri(scale=5)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr_data_uri": svg, "secret": grouped}


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(actor=Actor.from_request(request), action=Action.SIGN_OUT, object_type="user",
                     object_id=request.user.pk)
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return redirect(home_url(request.user.role))


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def change_password(request: AuthedRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change(actor=Actor.from_request(request), new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password has been changed.")
        if not two_factor_satisfied(request):
            has_device = any(d.confirmed for d in devices_for_user(request.user))
            return redirect("accounts:otp_verify" if has_device else "accounts:otp_setup")
        return HttpResponseRedirect(request.session.pop("partners_next", home_url(request.user.role)))
    return render(request, "accounts/password_change.html", {"form": form})
