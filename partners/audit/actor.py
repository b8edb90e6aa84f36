"""Who is acting, and from where: passed to every selector and service that touches a person's record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from partners.accounts.models import User


@dataclass(frozen=True)
class Actor:
    user: User
    via: str = "web"
    ip_address: str | None = None
    user_agent: str = ""
    method: str = ""
    path: str = ""
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_request(cls, request: HttpRequest, *, via: str = "web", user: User | None = None) -> Actor:
        return cls(
            user=user or request.user,  # type: ignore[arg-type]
            via=via,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.headers.get("User-Agent", "")[:200],
            method=request.method or "",
            path=request.get_full_path()[:300],
            request_id=getattr(request, "request_id", ""),
        )

    @classmethod
    def system(cls, user: User, *, via: str = "cli") -> Actor:
        return cls(user=user, via=via)
