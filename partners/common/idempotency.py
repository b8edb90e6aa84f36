"""Idempotent POSTs: the same Idempotency-Key twice creates one record and replays the first answer.

Applies to API calls that send an ``Idempotency-Key`` header and to web forms that carry a hidden
``idempotency_key`` field (so a double-clicked "Save" stores one contact). The key is claimed in the
same database transaction as the work, so two concurrent requests with one key cannot both succeed:
the second waits for the first to commit, then replays its response. A 5xx rolls everything back,
key included, so a retry can succeed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from partners.common.models import IdempotencyRecord

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
METHODS = ("POST", "PUT", "PATCH")


def new_key() -> str:
    return uuid.uuid4().hex


class _Rollback(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _principal(request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "path:" + hashlib.sha256(request.path.encode()).hexdigest()[:40]


# The JSON APIs take the key from the header only: parsing a form body there would consume the request
# stream the API then reads (a form-encoded POST to the API was a 500, found by the URL matrix).
HEADER_ONLY_PREFIXES = ("/api/", "/fhir/")


def _key(request: HttpRequest) -> str:
    key = request.headers.get(HEADER, "")
    if (not key and not request.path.startswith(HEADER_ONLY_PREFIXES)
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")):
        key = request.POST.get(FORM_FIELD, "")
    return key.strip()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code or 200,
                            content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in METHODS:
            return self.get_response(request)
        key = _key(request)
        if not key:
            return self.get_response(request)
        if len(key) > 255:
            return JsonResponse({"detail": "Idempotency-Key must be at most 255 characters."}, status=400)
        principal = _principal(request)
        body = request.body if request.content_type not in ("multipart/form-data",) else b""
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal, key=key, method=request.method, path=request.path[:300],
                    fingerprint=fingerprint,
                )
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    raise _Rollback(response)
                record.completed = True
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.location = response.get("Location", "")[:500]
                record.body = response.content
                record.save(update_fields=["completed", "status_code", "content_type", "location", "body"])
                return response
        except _Rollback as rollback:
            return rollback.response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:  # the integrity error came from the work itself, not from the key
                raise
            if existing.fingerprint != fingerprint:
                return JsonResponse(
                    {"detail": "This Idempotency-Key was already used for a different request."}, status=422
                )
            if not existing.completed:
                return JsonResponse({"detail": "A request with this Idempotency-Key is in progress."}, status=409)
            return _replay(existing)
