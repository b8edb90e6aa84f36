"""The role-by-endpoint matrix over EVERY URL pattern of the project (walked from the URL resolver).

For each pattern: anonymous callers are sent to sign in (web) or refused with 401 (API, FHIR); each role
gets a usable answer where it is classified as allowed and 404 elsewhere (the app never says 403, so
nothing reveals what exists); for person pages, an allowed role asking about someone outside its scope
gets 404. A new URL pattern fails ``test_every_url_pattern_is_classified`` until it is added here.

Sample URLs use the conftest world: ``p1`` is in scope for cp1, sup1 and practice_a; ``p4`` for no one.
``objects=True`` marks patterns whose other ids (goal, trial, ...) the world does not hold: there the
allowed roles are only checked for "no error and no 403", the others for 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from partners.common.tests.urlmatrix_support import sample_kwargs, walk

ROLES = ["cp1", "cp2", "cp3", "sup1", "sup2", "practice_a", "leader", "researcher", "admin"]
ALL = " ".join(ROLES)
# Valid bodies for the API operations that have no GET, so scope (not validation) decides the answer.
BODIES: dict[str, dict[str, Any]] = {
    "api:review_goal": {"rating": 5},
    "api:urgent_step_up": {"service_id": 1, "reason": "Crisis"},
    "api:update_referral": {"status": "seen"},
}


@dataclass(frozen=True)
class Rule:
    kind: str  # public: open to all; web: sign-in page for the anonymous; token: 401 for the anonymous
    allowed: str  # roles given a usable answer (space-separated)
    method: str = "get"
    objects: bool = False
    refusal: int = 404  # the answer for a role that may not use it (FHIR import says 403 Forbidden)
    sample: tuple[tuple[str, Any], ...] = ()  # parameter values for this pattern only

    @property
    def roles(self) -> set[str]:
        return set(self.allowed.split())


MATRIX: dict[tuple[str, str], Rule] = {
    ('', 'home'): Rule('web', ALL, 'get'),
    ('healthz', 'common:healthz'): Rule('public', ALL, 'get'),
    ('accessibility/', 'common:accessibility'): Rule('public', ALL, 'get'),
    ('privacy/', 'common:privacy'): Rule('public', ALL, 'get'),
    ('accounts/login/', 'accounts:login'): Rule('public', ALL, 'get'),
    ('accounts/logout/', 'accounts:logout'): Rule('public', ALL, 'post'),
    ('accounts/two-factor/', 'accounts:otp_verify'): Rule('web', ALL, 'get'),
    ('accounts/two-factor/setup/', 'accounts:otp_setup'): Rule('web', ALL, 'get'),
    ('accounts/password/', 'accounts:password_change'): Rule('web', ALL, 'get'),
    ('api/v1/openapi.json', 'api:openapi-json'): Rule('public', ALL, 'get'),
    ('api/v1/docs', 'api:openapi-view'): Rule('public', ALL, 'get'),
    ('api/v1/service-users', 'api:list_service_users'): Rule('token', ALL, 'get'),
    ('api/v1/service-users', 'api:create_service_user'): Rule('token', ALL, 'get'),
    ('api/v1/service-users/<int:person_id>', 'api:get_service_user'): Rule('token', 'cp1 sup1 practice_a', 'get'),
    ('api/v1/service-users/<int:person_id>', 'api:update_service_user'): Rule('token', 'cp1 sup1 practice_a', 'get'),
    ('api/v1/service-users/<int:person_id>/questionnaire-responses', 'api:list_responses'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/questionnaire-responses', 'api:create_response'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/safety-events', 'api:list_safety_events'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/safety-events', 'api:create_safety_event'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/goals', 'api:list_goals'): Rule('token', 'cp1 sup1 practice_a', 'get'),
    ('api/v1/service-users/<int:person_id>/goals', 'api:create_goal'): Rule('token', 'cp1 sup1 practice_a', 'get'),
    ('api/v1/service-users/<int:person_id>/goals/<int:goal_id>/reviews', 'api:review_goal'): Rule('token', 'cp1 sup1 practice_a', 'post', objects=True),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/contacts', 'api:list_contacts'): Rule('token', 'cp1 sup1', 'get'),
    ('api/v1/service-users/<int:person_id>/contacts', 'api:create_contact'): Rule('token', 'cp1 sup1', 'get'),
    ('api/v1/service-users/<int:person_id>/episodes', 'api:list_episodes'): Rule('token', 'cp1 sup1 practice_a', 'get'),
    ('api/v1/service-users/<int:person_id>/episodes', 'api:create_episode'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/rhythm', 'api:list_rhythm'): Rule('token', 'cp1 sup1', 'get'),
    ('api/v1/service-users/<int:person_id>/rhythm', 'api:change_rhythm'): Rule('token', 'cp1 sup1', 'get'),
    ('api/v1/service-users/<int:person_id>/rhythm/urgent', 'api:urgent_step_up'): Rule('token', 'cp1 sup1', 'post', objects=True),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/referrals', 'api:list_referrals'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/referrals', 'api:create_referral'): Rule('token', 'cp1 sup1 practice_a', 'get'),  # noqa: E501
    ('api/v1/service-users/<int:person_id>/referrals/<int:referral_id>', 'api:update_referral'): Rule('token', 'cp1 sup1 practice_a', 'patch', objects=True),  # noqa: E501
    ('api/v1/services', 'api:list_services'): Rule('token', ALL, 'get'),
    ('api/v1/services', 'api:create_service'): Rule('token', ALL, 'get'),
    ('api/v1/', 'api:api-root'): Rule('public', '', 'get'),
    ('people/', 'registry:search'): Rule('web', 'cp1 cp2 cp3 sup1 sup2 practice_a admin', 'get'),
    ('people/new/', 'registry:create'): Rule('web', 'cp1 cp2 cp3 practice_a admin', 'get'),
    ('people/<int:person_id>/', 'registry:person'): Rule('web', 'cp1 sup1 practice_a', 'get'),
    ('people/<int:person_id>/edit/', 'registry:edit'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/access/', 'registry:access'): Rule('web', 'cp1 sup1 practice_a', 'get'),
    ('practice/', 'registry:practice_patients'): Rule('web', 'practice_a', 'get'),
    ('people/<int:person_id>/letters/<slug:kind>.pdf', 'letters:person_letter'): Rule('web', 'cp1 sup1 practice_a', 'get', sample=(('kind', 'person_summary'),)),  # noqa: E501
    ('people/<int:person_id>/session/new/', 'voice:start'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/session/<int:session_id>/ratings/', 'voice:rate'): Rule('web', 'cp1', 'get', objects=True),
    ('people/<int:person_id>/session/<int:session_id>/choose/', 'voice:choose'): Rule('web', 'cp1', 'get', objects=True),  # noqa: E501
    ('people/<int:person_id>/session/<int:session_id>/talk/<slug:area>/', 'voice:talk'): Rule('web', 'cp1', 'get', objects=True),  # noqa: E501
    ('people/<int:person_id>/session/<int:session_id>/finish/', 'voice:finish'): Rule('web', 'cp1', 'get', objects=True),  # noqa: E501
    ('case-finding/', 'casefinding:home'): Rule('web', 'practice_a admin', 'get'),
    ('case-finding/imports/', 'casefinding:imports'): Rule('web', 'practice_a admin', 'get'),
    ('case-finding/imports/<int:batch_id>/', 'casefinding:import_detail'): Rule('web', 'practice_a admin', 'get', objects=True),  # noqa: E501
    ('case-finding/imports/<int:batch_id>/report.csv', 'casefinding:import_report'): Rule('web', 'practice_a admin', 'get', objects=True),  # noqa: E501
    ('case-finding/code-list/', 'casefinding:codes'): Rule('web', 'admin', 'get'),
    ('case-finding/run/', 'casefinding:run'): Rule('web', 'admin', 'get'),
    ('case-finding/review/', 'casefinding:review'): Rule('web', 'admin', 'get'),
    ('case-finding/worklist/', 'casefinding:worklist'): Rule('web', 'practice_a admin', 'get'),
    ('case-finding/people/<int:result_id>/', 'casefinding:person'): Rule('web', 'practice_a admin', 'get', objects=True),  # noqa: E501
    ('case-finding/letters/<int:attempt_id>.pdf', 'casefinding:letter'): Rule('web', 'practice_a admin', 'get', objects=True),  # noqa: E501
    ('caseload/', 'care:caseload'): Rule('web', 'cp1 cp2 cp3', 'get'),
    ('caseload/<int:person_id>/accept/', 'care:accept'): Rule('web', 'cp1', 'post'),
    ('people/<int:person_id>/contact/', 'care:contact'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/history/', 'care:history'): Rule('web', 'cp1 sup1', 'get'),
    ('people/<int:person_id>/understanding/', 'care:understanding'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/goals/new/', 'care:goal_new'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/goals/<int:goal_id>/review/', 'care:goal_review'): Rule('web', 'cp1', 'get', objects=True),
    ('people/<int:person_id>/goals/<int:goal_id>/edit/', 'care:goal_edit'): Rule('web', 'cp1', 'get', objects=True),
    ('people/<int:person_id>/rhythm/', 'care:rhythm'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/urgent/', 'care:urgent'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/referrals/new/', 'care:referral_new'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/referrals/<int:referral_id>/', 'care:referral_outcome'): Rule('web', 'cp1', 'get', objects=True),  # noqa: E501
    ('people/<int:person_id>/phase/', 'care:phase'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/secondary-care/', 'care:secondary_care'): Rule('web', 'cp1', 'get'),
    ('people/<int:person_id>/handover/', 'care:handover'): Rule('web', 'cp1 sup1', 'get'),
    ('people/<int:person_id>/refer/', 'care:refer'): Rule('web', 'cp1 practice_a', 'get'),
    ('services/', 'care:directory'): Rule('web', 'cp1 cp2 cp3 sup1 sup2 practice_a admin', 'get'),
    ('services/new/', 'care:service_new'): Rule('web', 'cp1 cp2 cp3 sup1 sup2 admin', 'get'),
    ('services/<int:service_id>/', 'care:service_edit'): Rule('web', 'cp1 cp2 cp3 sup1 sup2 admin', 'get', objects=True),  # noqa: E501
    ('cover/', 'care:cover'): Rule('web', 'sup1 sup2 admin', 'get'),
    ('cover/<str:what>/new/', 'care:cover_form'): Rule('web', 'sup1 sup2 admin', 'get', objects=True),
    ('cover/<str:what>/<int:item_id>/end/', 'care:cover_end'): Rule('web', 'sup1 sup2 admin', 'post', objects=True),
    ('people/<int:person_id>/questionnaires/new/', 'measures:enter_choose'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/questionnaires/new/<str:instrument>/', 'measures:enter'): Rule('web', 'cp1 practice_a', 'get'),  # noqa: E501
    ('people/<int:person_id>/questionnaires/send/', 'measures:send'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/questionnaires/schedule/', 'measures:schedule'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/questionnaires/<int:response_id>/', 'measures:detail'): Rule('web', 'cp1 sup1 practice_a', 'get', objects=True),  # noqa: E501
    ('people/<int:person_id>/questionnaires/links/<int:link_id>/cancel/', 'measures:link_cancel'): Rule('web', 'cp1 practice_a', 'post', objects=True),  # noqa: E501
    ('measures/instruments/', 'measures:instruments'): Rule('web', 'admin', 'get'),
    ('measures/instruments/<str:code>/', 'measures:instrument'): Rule('web', 'admin', 'get'),
    ('q/thank-you/', 'measures:q_thanks'): Rule('public', ALL, 'get'),
    ('q/<token:token>/', 'measures:q_start'): Rule('public', ALL, 'get'),
    ('q/<token:token>/review/', 'measures:q_review'): Rule('public', ALL, 'get'),
    ('q/<token:token>/<int:number>/', 'measures:q_question'): Rule('public', ALL, 'get'),
    ('supervision/', 'supervision:review'): Rule('web', 'sup1 sup2', 'get'),
    ('supervision/safety-events/', 'supervision:safety_feed'): Rule('web', 'sup1 sup2', 'get'),
    ('supervision/safety-events/<int:event_id>/review/', 'supervision:safety_review'): Rule('web', 'sup1 sup2', 'post', objects=True),  # noqa: E501
    ('supervision/care-partners/<int:supervisee_id>/', 'supervision:supervisee'): Rule('web', 'sup1', 'get'),
    ('supervision/care-partners/<int:supervisee_id>/sessions/new/', 'supervision:session_new'): Rule('web', 'sup1', 'get'),  # noqa: E501
    ('supervision/actions/<int:action_id>/done/', 'supervision:action_done'): Rule('web', 'cp1 cp2 cp3 sup1 sup2', 'post', objects=True),  # noqa: E501
    ('my-supervision/', 'supervision:mine'): Rule('web', 'cp1 cp2 cp3', 'get'),
    ('training/', 'supervision:training'): Rule('web', 'sup1 sup2', 'get'),
    ('training/new/', 'supervision:training_new'): Rule('web', 'sup1 sup2', 'get'),
    ('fidelity/', 'supervision:fidelity'): Rule('web', 'sup1 sup2', 'get'),
    ('people/<int:person_id>/safety-events/new/', 'safety:event_new'): Rule('web', 'cp1 sup1 practice_a', 'get'),
    ('people/<int:person_id>/health-checks/new/', 'safety:health_check_new'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/conditions/new/', 'safety:condition_new'): Rule('web', 'cp1 practice_a', 'get'),
    ('people/<int:person_id>/medications/new/', 'safety:medication_new'): Rule('web', 'cp1 practice_a', 'get'),
    ('health-checks/', 'safety:health_checks'): Rule('web', 'practice_a', 'get'),
    ('dashboard/', 'dashboards:home'): Rule('web', 'leader', 'get'),
    ('dashboard/equity/', 'dashboards:equity'): Rule('web', 'leader', 'get'),
    ('^dashboard/download\\.(?P<fmt>csv|xlsx)$', 'dashboards:download'): Rule('web', 'leader', 'get', objects=True),
    ('^dashboard/equity/download\\.(?P<fmt>csv|xlsx)$', 'dashboards:equity_download'): Rule('web', 'leader', 'get', objects=True),  # noqa: E501
    ('trials/', 'trial:home'): Rule('web', 'researcher', 'get'),
    ('trials/new/', 'trial:new'): Rule('web', 'researcher', 'get'),
    ('trials/unblinding/', 'trial:unblinding'): Rule('web', 'admin', 'get'),
    ('trials/<int:trial_id>/', 'trial:detail'): Rule('web', 'researcher', 'get', objects=True),
    ('trials/<int:trial_id>/practices/add/', 'trial:practices_add'): Rule('web', 'researcher', 'get', objects=True),
    ('trials/<int:trial_id>/practices/<int:tp_id>/', 'trial:practice'): Rule('web', 'researcher', 'get', objects=True),
    ('trials/<int:trial_id>/practices/<int:tp_id>/randomise/', 'trial:randomise'): Rule('web', 'researcher', 'get', objects=True),  # noqa: E501
    ('trials/<int:trial_id>/allocations/', 'trial:allocations'): Rule('web', 'researcher', 'get', objects=True),
    ('trials/<int:trial_id>/allocations/<int:sequence>/', 'trial:allocation'): Rule('web', 'researcher', 'get', objects=True),  # noqa: E501
    ('trials/<int:trial_id>/balance/', 'trial:balance'): Rule('web', 'researcher', 'get', objects=True),
    ('trials/<int:trial_id>/produce/<str:kind>/', 'trial:produce'): Rule('web', 'researcher', 'post', objects=True),
    ('trials/<int:trial_id>/outputs/<int:run_id>/<str:filename>', 'trial:download'): Rule('web', 'researcher', 'get', objects=True),  # noqa: E501
    ('trials/<int:trial_id>/unblind/', 'trial:unblind'): Rule('web', 'admin', 'get', objects=True),
    ('organisation/', 'organisations:home'): Rule('web', 'admin', 'get'),
    ('organisation/accounts/new/', 'organisations:account_new'): Rule('web', 'admin', 'get'),
    ('organisation/accounts/<int:user_id>/', 'organisations:account_edit'): Rule('web', 'admin', 'get'),
    ('organisation/accounts/<int:user_id>/reset-two-factor/', 'organisations:account_two_factor_reset'): Rule('web', 'admin', 'post'),  # noqa: E501
    ('audit/', 'audit:search'): Rule('web', 'admin', 'get'),
    ('audit/break-glass/', 'audit:break_glass'): Rule('web', 'admin', 'get'),
    ('audit/alerts/', 'audit:alerts'): Rule('web', 'admin', 'get'),
    ('audit/breaches/', 'audit:breaches'): Rule('web', 'admin', 'get'),
    ('audit/breaches/new/', 'audit:breach_new'): Rule('web', 'admin', 'get'),
    ('audit/breaches/<int:breach_id>/', 'audit:breach'): Rule('web', 'admin', 'get', objects=True),
    ('audit/alerts/<int:alert_id>/acknowledge/', 'audit:alert_acknowledge'): Rule('web', 'admin', 'post', objects=True),
    ('fhir/R4/metadata', 'interop:metadata'): Rule('public', ALL, 'get'),
    ('fhir/R4/', 'interop:transaction'): Rule('token', 'cp1 cp2 cp3 practice_a admin', 'post', objects=True, refusal=403),  # noqa: E501
    ('fhir/R4/Patient/<str:rid>/$everything', 'interop:everything'): Rule('token', ALL, 'get', objects=True),
    ('^fhir/R4/(?P<rtype>[A-Z][A-Za-z]+)$', 'interop:search'): Rule('token', ALL, 'get', objects=True),
    ('^fhir/R4/(?P<rtype>[A-Z][A-Za-z]+)/(?P<rid>[A-Za-z0-9\\-\\.]{1,64})$', 'interop:read'): Rule('token', ALL, 'get', objects=True),  # noqa: E501
    ('^fhir/(?P<rest>.*)$', ''): Rule('public', '', 'get'),
    ('practice/extract.csv', 'interop:practice_list'): Rule('web', 'practice_a', 'get'),
}


def test_every_url_pattern_is_classified():
    patterns = {(route, name) for route, name, _ in walk()}
    assert sorted(patterns - set(MATRIX)) == [], "classify the new URL patterns in MATRIX"
    assert sorted(set(MATRIX) - patterns) == [], "remove patterns that no longer exist from MATRIX"


def _call(client: Client, method: str, url: str, name: str) -> Any:
    if method == "get":
        return client.get(url)
    if url.startswith(("/api/", "/fhir/")):
        return getattr(client, method)(url, json.dumps(BODIES.get(name, {})), content_type="application/json")
    return getattr(client, method)(url, {})


def _client_for(rule: Rule, role: str | None, world: Any, api_client: Any) -> Client:
    if role is None:
        return Client()
    user = world.users[role]
    if rule.kind == "token":
        return api_client(user)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _problems(route: str, name: str, world: Any, clients: dict[tuple[str, str], Client]) -> list[str]:
    rule = MATRIX[(route, name)]
    samples = sample_kwargs(world)
    url = samples.url(route, name, **dict(rule.sample))
    if url is None:
        return [f"{route}: no sample value for one of its parameters"]
    problems: list[str] = []

    def expect(ok: bool, who: str, target: str, status: int, wanted: str) -> None:
        if not ok:
            problems.append(f"{name or route} as {who}: {rule.method.upper()} {target} answered {status}, {wanted}")

    anonymous = _call(Client(), rule.method, url, name)
    if rule.kind == "web":
        expect(anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/"),
               "anonymous", url, anonymous.status_code, "expected the sign-in page")
    elif rule.kind == "token":
        expect(anonymous.status_code == 401, "anonymous", url, anonymous.status_code, "expected 401")
    else:
        expect(anonymous.status_code < 500, "anonymous", url, anonymous.status_code, "expected no error")

    for role in ROLES:
        status = _call(clients[rule.kind, role], rule.method, url, name).status_code
        expect(status < 500 and (status != 403 or rule.refusal == 403), role, url, status, "expected no error")
        if role in rule.roles:
            if not rule.objects:  # (with objects the world lacks, an allowed role may still meet a 404)
                expect(status not in (rule.refusal, 404), role, url, status, "expected access")
        elif rule.kind != "public":
            expect(status == rule.refusal, role, url, status, f"expected {rule.refusal}")

    if "<int:person_id>" in route:
        outside = samples.url(route, name, **{**dict(rule.sample), "person_id": world.people["p4"].pk})
        assert outside is not None
        for role in sorted(rule.roles):
            status = _call(clients[rule.kind, role], rule.method, outside, name).status_code
            expect(status == 404, role, outside, status, "expected 404 (p4 is outside every scope)")
    return problems


CHUNKS = 4


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_each_role_gets_exactly_the_access_its_classification_gives(chunk, world, api_client):
    """Every pattern, anonymous and every role, plus out-of-scope people; all problems reported at once."""
    routes = sorted(MATRIX)[chunk::CHUNKS]
    clients = {(kind, role): _client_for(Rule(kind, ""), role, world, api_client)
               for kind in ("public", "web", "token") for role in ROLES}
    problems = [problem for route, name in routes for problem in _problems(route, name, world, clients)]
    assert problems == [], "\n".join(problems)
