"""The person's own questionnaire, opened from a single-use link (``/q/<token>/``): no account, nothing of
their record shown. One question per page (works without JavaScript), progress shown, each answer saved
as it is given so they can stop and come back through the same link, a review page, then submit.

An unknown, expired, cancelled or already submitted link all get the same page (HTTP 410), so nobody can
tell whether a token ever existed; an address that keeps trying dead links is refused for a while (429).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from partners.audit.actor import Actor
from partners.measures import conf, services
from partners.measures.engine import get_instrument
from partners.measures.models import SelfCompletionLink
from partners.measures.presentation import Question, encode, estimated_minutes, parse, questions, short_name

View = Callable[..., HttpResponse]


def _private(view: View) -> View:
    """No caching, no indexing, and no referrer beyond this site: the URL carries the token. (Not
    ``no-referrer``: browsers then send ``Origin: null`` with the forms, which CSRF checking rightly refuses.)"""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapped)


def _miss_key(request: HttpRequest) -> str:
    return f"measures:q-miss:{request.META.get('REMOTE_ADDR', '')}"


def _throttled(request: HttpRequest) -> bool:
    return int(cache.get(_miss_key(request), 0)) >= int(conf.get("QUESTIONNAIRE_LINK_MISSES"))


def _unavailable(request: HttpRequest) -> HttpResponse:
    key = _miss_key(request)
    cache.add(key, 0, timeout=int(conf.get("QUESTIONNAIRE_LINK_MISS_WINDOW_SECONDS")))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(conf.get("QUESTIONNAIRE_LINK_MISS_WINDOW_SECONDS")))
    return render(request, "measures/q/unavailable.html", status=410)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "measures/q/too_many.html", status=429)
    response["Retry-After"] = str(conf.get("QUESTIONNAIRE_LINK_MISS_WINDOW_SECONDS"))
    return response


def _link(request: HttpRequest, token: str) -> SelfCompletionLink | HttpResponse:
    if _throttled(request):
        return _too_many(request)
    link = services.usable_link(token)
    if link is None:
        return _unavailable(request)
    return link


def _questions(link: SelfCompletionLink) -> list[Question]:
    response = link.response
    wording = response.wording.items if response.wording else None
    return questions(response.instrument, wording, response.language)


def language_notice(link: SelfCompletionLink) -> dict[str, Any]:
    """What the start page says about language: the questions are in the person's preferred language when
    licensed wording is loaded for it; when not, it says so plainly, in English, and how to get help."""
    from partners.letters.languages import language_name

    preferred = (link.person.preferred_language or "en").strip()
    shown = link.response.language or "en"
    primary = preferred.split("-")[0].lower()
    return {
        "preferred_language_name": language_name(preferred),
        "questions_language_name": language_name(shown),
        "in_preferred_language": shown == preferred or primary == "en",
        "questions_lang": shown if link.response.wording_id else "en",
    }


def _first_unanswered(count: int, answers: dict[int, Any]) -> int | None:
    return next((n for n in range(1, count + 1) if n not in answers), None)


def _expires(link: SelfCompletionLink) -> str:
    local = timezone.localtime(link.expires_at)
    return f"{local.day} {local:%B %Y}"


@_private
def start(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    services.link_opened(link=link)
    answers = services.saved_answers(link.response)
    qs = _questions(link)
    next_number = _first_unanswered(len(qs), answers)
    return render(request, "measures/q/start.html", {
        **language_notice(link),
        "token": token, "name": short_name(link.response.instrument), "count": len(qs),
        "minutes": estimated_minutes(len(qs)), "expires": _expires(link), "answered": len(answers),
        "next_url": reverse("measures:q_review", args=[token]) if next_number is None
        else reverse("measures:q_question", args=[token, next_number]),
    })


@_private
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, token: str, number: int) -> HttpResponse:
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    qs = _questions(link)
    if not 1 <= number <= len(qs):
        return _unavailable(request)
    q = qs[number - 1]
    from_review = request.GET.get("from") == "review"
    error = ""
    if request.method == "POST":
        skip = request.POST.get("action") == "skip"
        raw = "" if skip else request.POST.get("answer", "")
        value: Any = None
        try:
            value = parse(q, raw)
            if value is None and not skip:
                raise ValueError("Select an answer, or choose 'Skip this question'" if q.options
                                 else "Enter an answer, or choose 'Skip this question'")
            services.link_answer_save(link_id=link.pk, position=number, value=value)
        except ValueError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            error = _plain(error, q)
        except services.LinkUnavailable:
            return _unavailable(request)
        else:
            if from_review or number == len(qs):
                return redirect("measures:q_review", token=token)
            return redirect("measures:q_question", token=token, number=number + 1)
        current = raw
    else:
        answers = services.saved_answers(link.response)
        current = encode(answers.get(number))
    back = (reverse("measures:q_review", args=[token]) if from_review
            else reverse("measures:q_question", args=[token, number - 1]) if number > 1
            else reverse("measures:q_start", args=[token]))
    return render(request, "measures/q/question.html", {
        "token": token, "q": q, "error": error, "current": current, "back": back, "from_review": from_review,
        "choices": [(o.form_value, o.label) for o in q.options],
        "name": short_name(link.response.instrument),
    })


def _plain(message: str, q: Question) -> str:
    """The engine names items for staff ("mansa item 3 (finances): 9 is not allowed; allowed: ..."); the
    person sees what is allowed in plain words."""
    if q.kind == "hours":
        return "Enter a number of hours that is 0 or more, like 4 or 2.5"
    if q.minimum is not None and q.maximum is not None:
        return f"Enter a whole number from {q.minimum:g} to {q.maximum:g}"
    return message


@_private
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not _throttled(request):
        # A double click or a retry of "Send my answers" after it went through: the same thank-you page.
        done = SelfCompletionLink.objects.filter(token_hash=services.hash_token(token),
                                                 submitted_at__gte=timezone.now() - timedelta(minutes=30)).exists()
        if done:
            return redirect("measures:q_thanks")
    link = _link(request, token)
    if isinstance(link, HttpResponse):
        return link
    qs = _questions(link)
    error = ""
    if request.method == "POST":
        holder: Any = services.LinkHolder()
        try:
            services.link_submit(link_id=link.pk, actor=Actor.from_request(request, via="self", user=holder),
                                 interpreter_assisted=request.POST.get("interpreter_assisted") == "yes")
        except services.LinkUnavailable:
            return _unavailable(request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("measures:q_thanks")
    answers = services.saved_answers(link.response)
    rows = []
    for q in qs:
        value = answers.get(q.number)
        shown = "Not answered"
        if value is not None:
            shown = next((o.label for o in q.options if o.value == value and type(o.value) is type(value)),
                         encode(value))
        rows.append((q, shown, q.number in answers))
    instrument = get_instrument(link.response.instrument)
    return render(request, "measures/q/review.html", {
        "token": token, "rows": rows, "name": short_name(instrument.code),
        "unanswered": sum(1 for _, shown, _ in rows if shown == "Not answered"), "error": error,
        "back": reverse("measures:q_question", args=[token, len(qs)]),
    })


@_private
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "measures/q/thanks.html")
