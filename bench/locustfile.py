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

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "")
CARE_PARTNERS = int(os.environ.get("BENCH_CARE_PARTNERS", "1200"))  # accounts in the bench database
SUPERVISORS = int(os.environ.get("BENCH_SUPERVISORS", "120"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON = re.compile(r'href="/people/(\d+)/"')
SIGN_INS: list[float] = []  # sign-in times (ms), written to LOAD_SIGNIN_FILE: they happen while users start
_care_partners = itertools.count()
_supervisors = itertools.count()


class SignedIn(HttpUser):
    abstract = True
    # Think time: a person reads a page before the next click (LOAD_WAIT_MIN/MAX seconds, default 5-15).
    wait_time = between(float(os.environ.get("LOAD_WAIT_MIN", "5")), float(os.environ.get("LOAD_WAIT_MAX", "15")))
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


@events.request.add_listener
def _sign_in_time(name: str, response_time: float, exception: object = None, **_: object) -> None:
    if name == "sign in" and exception is None:
        SIGN_INS.append(response_time)


@events.quitting.add_listener
def _write_sign_ins(**_: object) -> None:
    if os.environ.get("LOAD_SIGNIN_FILE"):
        with open(os.environ["LOAD_SIGNIN_FILE"], "w") as handle:
            handle.write(",".join(f"{t:.1f}" for t in SIGN_INS))
