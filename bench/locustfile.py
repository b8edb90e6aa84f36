"""Locust scenario for ``bench.load`` (``make load``): Care Partners, supervisors and leaders, each signing in
through the real sign-in form (demo accounts: no two-factor step outside production), then working.

- Care Partner: the caseload, then the person pages of people on it (and the full history now and then).
- Supervisor: the caseload review, and the person pages of their supervisees' people.
- Leader: the dashboard and the equity view.

Accounts are those of the England-scale bench database (``bench.dashboard``): ``bench-cp<N>``,
``bench-sup<N>``, ``bench-ics``, all with ``BENCH_PASSWORD``. Any answer but 200 counts as an error.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "")
CARE_PARTNERS = int(os.environ.get("BENCH_CARE_PARTNERS", "1200"))  # accounts in the bench database
SUPERVISORS = int(os.environ.get("BENCH_SUPERVISORS", "120"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON = re.compile(r'href="/people/(\d+)/"')
_care_partners = itertools.count()
_supervisors = itertools.count()


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""
    people: list[str]

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="sign in (form)")
        token = CSRF.search(page.text)
        with self.client.post("/accounts/login/", name="sign in", catch_response=True, data={
                "username": self.username, "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else ""}) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"sign-in as {self.username} failed: {response.status_code} {response.url}")
        self.people = []

    def person_page(self) -> None:
        if self.people:
            self.client.get(f"/people/{random.choice(self.people)}/", name="/people/[id]/")


class CarePartner(SignedIn):
    weight = 35

    def on_start(self) -> None:
        self.username = f"bench-cp{next(_care_partners) % CARE_PARTNERS}"
        self.sign_in()
        self.caseload()

    @task(3)
    def caseload(self) -> None:
        response = self.client.get("/caseload/")
        self.people = sorted(set(PERSON.findall(response.text)))

    @task(6)
    def person(self) -> None:
        self.person_page()

    @task(1)
    def history(self) -> None:
        if self.people:
            self.client.get(f"/people/{random.choice(self.people)}/history/", name="/people/[id]/history/")


class Supervisor(SignedIn):
    weight = 10

    def on_start(self) -> None:
        self.username = f"bench-sup{next(_supervisors) % SUPERVISORS}"
        self.sign_in()
        self.review()

    @task(2)
    def review(self) -> None:
        response = self.client.get("/supervision/")
        self.people = sorted(set(PERSON.findall(response.text)))

    @task(3)
    def person(self) -> None:
        self.person_page()


class Leader(SignedIn):
    weight = 5

    def on_start(self) -> None:
        self.username = "bench-ics"
        self.sign_in()

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/")

    @task(1)
    def equity(self) -> None:
        self.client.get("/dashboard/equity/")
