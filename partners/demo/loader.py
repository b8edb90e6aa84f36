"""Loads the synthetic demo ICS, one named step at a time.

Each step is a function ``(rng) -> summary`` run in its own transaction and recorded in ``DemoStep``,
so a second ``partners demo`` reuses what is there, and a later capability adds a step (e.g. a year of
questionnaire histories) that runs once on an existing demo database. Steps are seeded: the same seed
gives the same data.
"""

from __future__ import annotations

import hashlib
import importlib
import random
import time
from collections.abc import Callable
from typing import TextIO

from django.db import transaction

from partners.demo.models import DemoStep

# (name, version, dotted path). Append new steps; bump a version to rebuild that step's data.
STEPS: list[tuple[str, int, str]] = [
    ("organisations", 1, "partners.demo.steps.core.organisations"),
    ("accounts", 1, "partners.demo.steps.core.accounts"),
    ("people", 1, "partners.demo.steps.core.people"),
    ("episodes", 1, "partners.demo.steps.core.episodes"),
    ("questionnaires", 1, "partners.measures.demo.questionnaire_histories"),
    ("care_history", 1, "partners.care.demo.history"),
    ("supervision", 1, "partners.demo.steps.supervision.supervision"),
    ("trials", 1, "partners.trial.demo.trials"),
    ("structured_sessions", 1, "partners.voice.demo.structured_sessions"),
    ("casefinding", 1, "partners.casefinding.demo.casefinding"),
    # Keep last: it counts what the steps above created (the IMD lookup, a first cohort, dashboard figures).
    ("dashboard", 1, "partners.dashboards.demo.dashboard"),
]


def step_rng(seed: int, name: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def load_demo(*, seed: int = 2026, stream: TextIO | None = None) -> str:
    done = {s.name: s.version for s in DemoStep.objects.all()}
    loaded, reused = 0, 0
    for name, version, dotted in STEPS:
        if done.get(name) == version:
            reused += 1
            continue
        module_name, func_name = dotted.rsplit(".", 1)
        func: Callable[[random.Random], str] = getattr(importlib.import_module(module_name), func_name)
        started = time.perf_counter()
        with transaction.atomic():
            summary = func(step_rng(seed, name)) or ""
            DemoStep.objects.update_or_create(name=name, defaults={"version": version, "seed": seed,
                                                                   "summary": summary[:300]})
        loaded += 1
        if stream is not None:
            stream.write(f"  demo: {name}: {summary} ({time.perf_counter() - started:.1f}s)\n")
    return f"{loaded} demo step{'s' if loaded != 1 else ''} loaded, {reused} reused"
