"""Security controls not covered elsewhere: CSRF on state-changing forms, idle session expiry, and the
headers production sends (HSTS included). Sign-in, two-factor, throttling and absolute expiry are in
partners/accounts/tests/test_sign_in.py; `check --deploy` in test_deploy_settings.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from partners.audit.models import DataBreach
from partners.conftest import PASSWORD
from partners.registry.models import Person

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("username", "url", "data"), [
    ("practice_a", "/people/new/", {"given_name": "Eve", "family_name": "Adams", "date_of_birth": "1980-01-01"}),
    ("admin", "/audit/breaches/new/", {"summary": "x", "description": "y"}),
    ("admin", "/audit/break-glass/", {"nhs_number": "9990000018", "reason": "Safeguarding concern tonight"}),
    ("cp1", "/accounts/logout/", {}),
])
def test_state_changing_forms_refuse_a_post_without_the_csrf_token(world, username, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[username], backend="django.contrib.auth.backends.ModelBackend")
    people, breaches = Person.objects.count(), DataBreach.objects.count()
    response = client.post(url, data)
    assert response.status_code == 403
    assert "form has expired" in response.content.decode()
    assert (Person.objects.count(), DataBreach.objects.count()) == (people, breaches)
    page = client.get("/caseload/" if username == "cp1" else url)  # still signed in: the POST did nothing
    assert page.status_code == 200


def test_a_session_left_idle_longer_than_its_limit_ends(world, settings):
    client = Client()
    assert client.post("/accounts/login/", {"username": "cp1", "password": PASSWORD}).status_code == 302
    assert client.get("/caseload/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)):
        assert client.get("/caseload/").status_code == 200  # activity renews the idle limit
    with time_machine.travel(timezone.now() + timedelta(seconds=2 * settings.SESSION_COOKIE_AGE + 60)):
        response = client.get("/caseload/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client()
plain = c.get("/accounts/login/")
secure = c.get("/healthz", secure=True)
print(json.dumps({"plain": [plain.status_code, plain.get("Location", "")],
                  "secure": [secure.status_code, dict(secure.headers)]}))
"""


def test_production_sends_hsts_and_the_other_security_headers(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PARTNERS_", "DATABASE_URL"))},
           "PARTNERS_ENV": "production", "DJANGO_SECRET_KEY": "h" * 60, "DJANGO_ALLOWED_HOSTS": "testserver",
           "PARTNERS_PSEUDONYM_KEY": "k" * 40, "PARTNERS_VAR_DIR": str(tmp_path), "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "partners.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://testserver/accounts/login/"]  # plain HTTP is redirected
    status, headers = seen["secure"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
