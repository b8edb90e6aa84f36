"""Which instruments an organisation may collect, and the licensed wording it has loaded.

The nearest decision wins: the organisation's own setting, then its parent's (a practice's PCN, then the
ICS), then a platform-wide setting, then the built-in default. Instruments that are free to use are
enabled by default; those whose licence asks for registration (EQ-5D, WEMWBS/SWEMWBS, ICECAP-A) are off
until an administrator enables them, having seen the licence note and confirmed the registration.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from partners.measures.engine import get_instrument
from partners.measures.models import InstrumentSetting, InstrumentWording
from partners.measures.presentation import COLLECTED
from partners.organisations.models import Organisation

NEEDS_REGISTRATION = frozenset({"eq-5d-5l", "wemwbs", "swemwbs", "icecap-a"})
DEFAULT_ENABLED = frozenset(code for code in COLLECTED if code not in NEEDS_REGISTRATION)
MAX_DEPTH = 4


def organisation_chain(organisation_id: int | None) -> list[int]:
    """The organisation and its ancestors, nearest first (one query)."""
    if organisation_id is None:
        return []
    lookups = ["pk"] + ["__".join(["parent"] * n) + "_id" for n in range(1, MAX_DEPTH)]
    row = Organisation.objects.filter(pk=organisation_id).values_list(*lookups).first()
    return [pk for pk in (row or ()) if pk is not None]


def _resolve(chain: list[int], rows: Iterable[tuple[str, int | None, bool]]) -> dict[str, bool]:
    decided: dict[str, tuple[int, bool]] = {}
    rank = {pk: n for n, pk in enumerate(chain)}
    for instrument, organisation_id, enabled in rows:
        level = len(chain) if organisation_id is None else rank[organisation_id]
        if instrument not in decided or level < decided[instrument][0]:
            decided[instrument] = (level, enabled)
    return {code: decided[code][1] if code in decided else code in DEFAULT_ENABLED for code in COLLECTED}


def enabled_map(organisation_id: int | None) -> dict[str, bool]:
    """Every collectable instrument -> enabled for this organisation (two queries)."""
    chain = organisation_chain(organisation_id)
    rows = InstrumentSetting.objects.filter(Q(organisation__isnull=True) | Q(organisation_id__in=chain))
    return _resolve(chain, rows.values_list("instrument", "organisation_id", "enabled"))


def enabled_instruments(organisation_id: int | None) -> list[str]:
    """Codes enabled for the organisation, in the engine's order."""
    return [code for code, on in enabled_map(organisation_id).items() if on]


def instrument_choices(organisation_id: int | None) -> list[tuple[str, str]]:
    return [(code, get_instrument(code).name) for code in enabled_instruments(organisation_id)]


def wording_for(instrument: str, language: str, organisation_id: int | None) -> InstrumentWording | None:
    """The nearest licensed wording loaded for this instrument and language, else None (our labels)."""
    chain = organisation_chain(organisation_id)
    rows = list(InstrumentWording.objects.filter(instrument=instrument, language=language).filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=chain)))
    rank = {pk: n for n, pk in enumerate(chain)}
    rows.sort(key=lambda w: rank.get(w.organisation_id, len(chain)) if w.organisation_id else len(chain))
    return rows[0] if rows else None


def wording_languages(instrument: str, organisation_id: int | None) -> list[str]:
    chain = organisation_chain(organisation_id)
    return sorted(set(InstrumentWording.objects.filter(instrument=instrument).filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=chain)).values_list("language", flat=True)))
