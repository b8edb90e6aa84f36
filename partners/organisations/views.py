from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from partners.accounts.models import Role, User
from partners.accounts.services import account_create, account_reset_two_factor, account_update
from partners.audit.actor import Actor
from partners.audit.models import SecurityAlert
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.organisations.forms import AccountForm
from partners.organisations.models import Organisation


@role_required(Role.ADMINISTRATOR)
def home(request: AuthedRequest) -> HttpResponse:
    organisations = (
        Organisation.objects.select_related("parent")
        .annotate(staff_count=Count("staff", distinct=True))
        .order_by("kind", "name")
    )
    accounts = User.objects.select_related("organisation", "supervisor").order_by("role", "username")
    alerts = SecurityAlert.objects.filter(acknowledged_at__isnull=True).select_related("user")[:20]
    return render(request, "organisations/home.html",
                  {"organisations": organisations, "accounts": accounts, "alerts": alerts})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def account_new(request: AuthedRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, temporary = account_create(
                actor=Actor.from_request(request), username=data["username"], role=data["role"],
                first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
                organisation_id=data["organisation"].pk if data["organisation"] else None,
                supervisor_id=data["supervisor"].pk if data["supervisor"] else None, job_title=data["job_title"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "organisations/account_created.html", {"account": user, "temporary": temporary})
    return render(request, "organisations/account_form.html", {"form": form, "title": "Add an account"})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def account_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = get_object_or_404(User, pk=user_id)
    initial = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email,
               "job_title": account.job_title, "role": account.role, "organisation": account.organisation,
               "supervisor": account.supervisor, "is_active": account.is_active}
    form = AccountForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_update(actor=Actor.from_request(request), user_id=account.pk, role=data["role"],
                           first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
                           organisation_id=data["organisation"].pk if data["organisation"] else None,
                           supervisor_id=data["supervisor"].pk if data["supervisor"] else None,
                           job_title=data["job_title"], is_active=data["is_active"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"The account {account.username} has been updated.")
            return redirect("organisations:home")
    return render(request, "organisations/account_form.html",
                  {"form": form, "title": f"Change the account {account.username}", "account": account})


@role_required(Role.ADMINISTRATOR)
@require_POST
def account_two_factor_reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = get_object_or_404(User, pk=user_id)
    account_reset_two_factor(actor=Actor.from_request(request), user_id=account.pk)
    messages.success(request, f"Two-factor sign-in for {account.username} has been reset: they set it up again "
                              "at their next sign-in.")
    return redirect("organisations:account_edit", user_id=account.pk)
