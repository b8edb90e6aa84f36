from __future__ import annotations

from django.test import Client


def test_healthz_answers_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_an_unknown_page_is_an_nhs_styled_404_without_detail(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_an_unknown_api_path_answers_json(db):
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404


def test_the_api_needs_a_bearer_token(world):
    response = Client().get("/api/v1/service-users")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/api/v1/service-users").status_code == 401


def test_a_revoked_token_no_longer_works(world, api_client):
    from django.utils import timezone

    from partners.accounts.models import ApiToken

    client = api_client(world.users["cp1"])
    assert client.get("/api/v1/service-users").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/service-users").status_code == 401


def test_the_openapi_document_describes_the_service_user_endpoints(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/service-users" in spec["paths"]
    assert "/api/v1/service-users/{person_id}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_pages_carry_security_headers(db):
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]
    assert "no-store" in response["Cache-Control"]


def test_a_crash_shows_a_reference_never_a_traceback(db, settings, client):
    from django.urls import path

    from partners import urls

    def boom(request):
        raise RuntimeError("secret internals")

    settings.ROOT_URLCONF = type("U", (), {"urlpatterns": [path("boom/", boom), *urls.urlpatterns],
                                           "handler500": urls.handler500})
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body
    assert response["X-Request-ID"] in body
