from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from partners.accounts.views import home
from partners.api.urls import api

handler400 = "partners.common.views.error_400"
handler403 = "partners.common.views.error_403"
handler404 = "partners.common.views.error_404"
handler500 = "partners.common.views.error_500"

urlpatterns = [
    path("", home, name="home"),
    path("", include("partners.common.urls")),
    path("accounts/", include("partners.accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("partners.registry.urls")),
    path("", include("partners.care.urls")),
    path("", include("partners.measures.urls")),
    path("", include("partners.letters.urls")),
    path("", include("partners.voice.urls")),
    path("", include("partners.supervision.urls")),
    path("", include("partners.safety.urls")),
    path("", include("partners.dashboards.urls")),
    path("", include("partners.trial.urls")),
    path("", include("partners.organisations.urls")),
    path("", include("partners.audit.urls")),
    path("", include("partners.interop.urls")),
    path("", include("partners.casefinding.urls")),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
