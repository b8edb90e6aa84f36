"""NHS CIS2 sign-in (OpenID Connect), off unless OIDC_ENABLED is set: see docs/cis2-sign-in.md.

CIS2 authenticates with smartcard or equivalent (multi-factor by itself), so sessions that arrive this
way count as two-factor verified. Identities map onto existing accounts by the CIS2 user id, never
creating accounts on the fly: an administrator sets up each account and its role.
"""

from __future__ import annotations

from typing import Any

from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from partners.accounts.models import User


class CIS2AuthenticationBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        uid = claims.get("sub") or claims.get("uid")
        if not uid:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(cis2_uid=uid, is_active=True)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        rbac = claims.get("selected_roleid") or ""
        if rbac and rbac != user.national_rbac_role:
            user.national_rbac_role = str(rbac)[:20]
            user.save(update_fields=["national_rbac_role"])
        return user
