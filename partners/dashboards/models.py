"""Reference data and pre-computed figures for the leaders' dashboard. No row here names a person."""

from __future__ import annotations

from django.db import models


class ImdLookup(models.Model):
    """Index of Multiple Deprivation decile of each LSOA (1 = most deprived), loaded from a CSV.

    ``partners reference load-imd FILE.csv`` (columns ``lsoa_code``, ``imd_decile``). No real lookup is
    shipped; the demo generates a synthetic one for its own LSOAs.
    """

    lsoa_code = models.CharField("LSOA code", max_length=9, primary_key=True)
    imd_decile = models.PositiveSmallIntegerField("IMD decile")
    source = models.CharField(max_length=200, blank=True, help_text="The file it was loaded from.")
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["lsoa_code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(imd_decile__gte=1, imd_decile__lte=10),
                                   name="imd_decile_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.lsoa_code}: decile {self.imd_decile}"


class FigureRefresh(models.Model):
    """One run of ``partners dashboard refresh``: the figures the dashboard shows come from the latest."""

    as_of = models.DateField(help_text="Stocks are counted at each month end, the current month at this date.")
    first_month = models.DateField()
    months = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Figures as at {self.as_of} (refresh {self.pk})"

    @property
    def cache_token(self) -> str:
        """Identifies this refresh in cache keys (the pk alone can be reused after a rollback)."""
        return f"{self.pk}.{int(self.started_at.timestamp() * 1_000_000)}"


class MonthlyFigures(models.Model):
    """Every dashboard count for one area (practice, PCN, ICS; England when ``org`` is empty) and month."""

    refresh = models.ForeignKey(FigureRefresh, on_delete=models.CASCADE, related_name="monthly")
    org = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="+")
    month = models.DateField(help_text="First day of the month.")
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["org_id", "month"]
        indexes = [models.Index(fields=["refresh", "org", "month"])]

    def __str__(self) -> str:
        return f"{self.org_id or 'England'} {self.month:%Y-%m}"


class RegisterSnapshot(models.Model):
    """The register and the gap by ethnic group, sex, age band and deprivation decile, as at the refresh."""

    refresh = models.ForeignKey(FigureRefresh, on_delete=models.CASCADE, related_name="snapshots")
    org = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="+")
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["org_id"]
        indexes = [models.Index(fields=["refresh", "org"])]

    def __str__(self) -> str:
        return f"Register snapshot {self.org_id or 'England'}"
