from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role_label = ""
    items: list[dict[str, object]] = []
    if user is not None and user.is_authenticated:
        from partners.accounts.navigation import nav_items

        role_label = user.get_role_display()
        if _satisfied(request):
            items = nav_items(user.role, request.path)
    return {
        "service_name": "PARTNERS",
        "signed_in_role": role_label,
        "demo_mode": settings.PARTNERS_ALLOW_DEMO_ACCOUNTS,
        "nav_items": items,
    }


def _satisfied(request: HttpRequest) -> bool:
    from partners.accounts.middleware import two_factor_satisfied

    return two_factor_satisfied(request)
