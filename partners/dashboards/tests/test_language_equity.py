"""The equity view counts people by language and interpreter need, and by access needs, with small numbers
suppressed like every other breakdown (issue 10)."""

from __future__ import annotations

import re
from typing import Any

from partners.dashboards.core import measures as M
from partners.dashboards.tests.conftest import populate


def _row(html: str, label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    start = html.index(f'data-testid="equity-row-{slug}"')
    return html[start:html.index("</tr>", start)]


def test_people_needing_an_interpreter_are_counted_and_small_numbers_are_suppressed(world: Any, login_as: Any) -> None:
    from partners.dashboards.services import figures_refresh
    from partners.registry.models import Person

    populate(world)
    people = list(Person.objects.filter(family_name__startswith="Family").order_by("pk"))
    for person in people[:40]:
        person.interpreter_needed, person.preferred_language = True, "pl"
    for person in people[40:43]:
        person.communication_needs = ["large_print"]
    Person.objects.bulk_update(people[:43], ["interpreter_needed", "preferred_language", "communication_needs"])
    figures_refresh()
    html = login_as(world.users["leader"]).get("/dashboard/equity/").content.decode()
    assert "Reach and engagement by language and interpreter need" in html
    interpreter = _row(html, M.INTERPRETER)
    assert ">40<" in interpreter  # 40 on the register: shown
    access = _row(html, M.ACCESS_NEEDS[0])
    assert ">3<" not in access and "*" in access  # 3 people: suppressed


def test_the_language_category_of_a_person() -> None:
    assert M.language_need("pl", True) == M.INTERPRETER
    assert M.language_need("en", True) == M.INTERPRETER
    assert M.language_need("ur", False) == M.OTHER_LANGUAGE
    assert M.language_need("en-GB", False) == M.ENGLISH
    assert M.access_need(["bsl"]) == M.ACCESS_NEEDS[0] and M.access_need([]) == M.ACCESS_NEEDS[1]
