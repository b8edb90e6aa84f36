"""Serving start-up: every view loaded and the start-up heap frozen out of the collector's way."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest


@pytest.fixture
def unfreeze():
    yield
    gc.unfreeze()


def test_settling_for_serving_loads_every_view_and_freezes_the_start_up_heap(unfreeze):
    from partners.common.runtime import settle_for_serving

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    settle_for_serving()
    assert gc.get_freeze_count() > 50_000
    assert "partners.care.views" in sys.modules and "partners.dashboards.views" in sys.modules


def test_the_wsgi_application_is_settled_when_it_is_imported(unfreeze):
    gc.unfreeze()
    sys.modules.pop("partners.wsgi", None)
    wsgi = importlib.import_module("partners.wsgi")
    assert callable(wsgi.application) and gc.get_freeze_count() > 50_000


def test_a_settled_process_exits_cleanly_without_leak_reports():
    import os
    import subprocess

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "partners.settings"}
    done = subprocess.run([sys.executable, "-c", "import partners.wsgi"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "leaked" not in done.stderr, done.stderr
