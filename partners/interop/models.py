"""Stable FHIR ids for platform records, so that export -> import -> export gives the same resources."""

from __future__ import annotations

from django.db import models


class ResourceIdentity(models.Model):
    """The FHIR logical id of one platform record (a person, an episode, a goal, a contact...).

    Assigned (a random UUID) the first time the record is exported, or taken from the resource when the
    record was created by an import, and never changed: so a record keeps its id across systems and a
    re-import updates it instead of duplicating it. ``kind`` is the FHIR type (``GoalRating`` and
    ``HealthCheck`` for the Observations made from those records).
    """

    kind = models.CharField(max_length=40)
    object_pk = models.BigIntegerField()
    fhir_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "object_pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_pk"], name="resource_identity_one_per_record"),
            models.UniqueConstraint(fields=["kind", "fhir_id"], name="resource_identity_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.fhir_id} -> {self.object_pk}"
