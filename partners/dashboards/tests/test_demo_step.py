from __future__ import annotations

import pytest

from partners.dashboards.models import FigureRefresh, ImdLookup
from partners.demo.loader import load_demo


@pytest.mark.slow
def test_the_demo_gives_leader1_a_dashboard_that_shows_the_trials_under_representation(db, client):
    from partners.accounts.models import User

    load_demo(seed=7)
    assert ImdLookup.objects.count() == 100 and FigureRefresh.objects.exists()
    assert all(code.startswith("E0199") for code in ImdLookup.objects.values_list("lsoa_code", flat=True))
    client.force_login(User.objects.get(username="leader1"), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/dashboard/").status_code == 200
    html = client.get("/dashboard/equity/").content.decode()
    callout = html[html.index('data-testid="under-represented"'):][:3000]
    assert "Black, Asian, mixed and other ethnic groups" in callout
