from __future__ import annotations

from django.db import models


class DemoStep(models.Model):
    """A step of the synthetic demo that has been loaded (so `partners demo` twice reuses it)."""

    name = models.CharField(max_length=60, unique=True)
    version = models.PositiveIntegerField(default=1)
    seed = models.IntegerField()
    completed_at = models.DateTimeField(auto_now_add=True)
    summary = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
