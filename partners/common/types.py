from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from partners.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required`` / ``role_required``: ``user`` is a signed-in account."""

    user: User
