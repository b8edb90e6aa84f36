"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each domain app contributes a router."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from partners.api.auth import BearerToken
from partners.api.errors import validation_detail

logger = logging.getLogger("partners.api")

api = NinjaAPI(
    title="PARTNERS API",
    version="1.0.0",
    description=(
        "Scoped, audited access to the records a caller may see. Authenticate with "
        "`Authorization: Bearer <token>` (`partners token create USERNAME`). Anything outside the "
        "caller's scope answers 404. POSTs that create records honour an `Idempotency-Key` header."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ValidationError)
def _django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": validation_detail(exc)}, status=422)


@api.exception_handler(DataError)
def _unstorable_value(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold (e.g. a NUL byte, found by schemathesis on PostgreSQL): the caller's
    input, so 422 rather than a server error. Services run in atomic blocks, so nothing is half-written."""
    return api.create_response(
        request, {"detail": "A value in the request cannot be stored (for example it contains a NUL character)."},
        status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": "Authentication required."}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(NinjaValidationError)
def _request_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error", exc_info=exc)
    return api.create_response(
        request, {"detail": "Something went wrong on our side.", "request_id": getattr(request, "request_id", "")},
        status=500,
    )


def _routers() -> None:
    from partners.registry.api import router as registry_router

    api.add_router("/service-users", registry_router)
    for module in API_ROUTERS:
        import importlib

        importlib.import_module(module).register(api)


# Modules with ``register(api)`` adding their routes (goals, contacts, questionnaires, safety, ...).
API_ROUTERS: list[str] = ["partners.measures.api", "partners.safety.api", "partners.care.api"]

_routers()
urlpatterns = api.urls
