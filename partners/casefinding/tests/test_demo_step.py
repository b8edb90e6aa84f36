"""The demo's case-finding step fills the worklist, the review queue and outreach statuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.accounts.models import User
from partners.casefinding.models import CaseFindingResult, LinkageRun, OutreachCase, ReviewPair
from partners.demo.loader import load_demo

pytestmark = pytest.mark.slow


def test_the_demo_has_a_linkage_run_a_review_queue_and_outreach_at_practice1(db, client):
    load_demo(seed=7)
    run = LinkageRun.objects.get()
    assert CaseFindingResult.objects.filter(run=run).count() == run.summary["register_rows"] > 1500
    assert ReviewPair.objects.filter(run=run).exists()
    statuses = set(OutreachCase.objects.values_list("status", flat=True))
    assert {"invited", "appointment_offered", "declined", "opted_out"} <= statuses
    practice1 = User.objects.get(username="practice1")
    client.force_login(practice1, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("casefinding:worklist")).content.decode()
    assert "Invited (opt-out window)" in page or "Appointment offered" in page
    load_demo(seed=7)  # a second load reuses the step
    assert LinkageRun.objects.count() == 1
