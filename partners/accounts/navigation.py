"""The first screen and the menu for each role (screens.md)."""

from __future__ import annotations

from django.urls import reverse

from partners.accounts.models import Role

HOME_URL_NAMES: dict[str, str] = {
    Role.CARE_PARTNER: "care:caseload",
    Role.SUPERVISOR: "supervision:review",
    Role.PRACTICE_STAFF: "registry:practice_patients",
    Role.SYSTEM_LEADER: "dashboards:home",
    Role.RESEARCHER: "trial:home",
    Role.ADMINISTRATOR: "organisations:home",
}

NAV: dict[str, list[tuple[str, str]]] = {
    Role.CARE_PARTNER: [("My caseload", "care:caseload"), ("My supervision", "supervision:mine"),
                        ("Find a person", "registry:search"), ("Local services", "care:directory")],
    Role.SUPERVISOR: [("Caseload review", "supervision:review"), ("Fidelity", "supervision:fidelity"),
                      ("Training", "supervision:training"), ("Cover", "care:cover"),
                      ("Find a person", "registry:search")],
    Role.PRACTICE_STAFF: [("Our patients with SMI", "registry:practice_patients"),
                          ("Physical health checks", "safety:health_checks"), ("Case finding", "casefinding:worklist"),
                          ("Find a person", "registry:search")],
    Role.SYSTEM_LEADER: [("Dashboard", "dashboards:home")],
    Role.RESEARCHER: [("Trials", "trial:home")],
    Role.ADMINISTRATOR: [("Organisation", "organisations:home"), ("Case finding", "casefinding:home"),
                         ("Instruments", "measures:instruments"),
                         ("Audit", "audit:search"), ("Break-glass", "audit:break_glass"),
                         ("Breaches", "audit:breaches"), ("Trials", "trial:unblinding")],
}


def home_url(role: str) -> str:
    return reverse(HOME_URL_NAMES.get(role, "common:accessibility"))


def nav_items(role: str, current_path: str) -> list[dict[str, object]]:
    items = []
    for text, name in NAV.get(role, []):
        href = reverse(name)
        items.append({"text": text, "href": href, "current": current_path.startswith(href)})
    return items
