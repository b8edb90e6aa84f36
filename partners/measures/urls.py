from django.urls import path, register_converter

from partners.measures import q_views, views

app_name = "measures"


class TokenConverter:
    """A link token: URL-safe base64, long (43 characters as issued); anything else is not a token."""

    regex = "[A-Za-z0-9_-]{20,100}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    path("people/<int:person_id>/questionnaires/new/", views.enter_choose, name="enter_choose"),
    path("people/<int:person_id>/questionnaires/new/<str:instrument>/", views.enter, name="enter"),
    path("people/<int:person_id>/questionnaires/send/", views.send, name="send"),
    path("people/<int:person_id>/questionnaires/schedule/", views.schedule, name="schedule"),
    path("people/<int:person_id>/questionnaires/<int:response_id>/", views.detail, name="detail"),
    path("people/<int:person_id>/questionnaires/links/<int:link_id>/cancel/", views.link_cancel, name="link_cancel"),
    path("measures/instruments/", views.instruments, name="instruments"),
    path("measures/instruments/<str:code>/", views.instrument, name="instrument"),
    path("q/thank-you/", q_views.thanks, name="q_thanks"),
    path("q/<token:token>/", q_views.start, name="q_start"),
    path("q/<token:token>/review/", q_views.review, name="q_review"),
    path("q/<token:token>/<int:number>/", q_views.question, name="q_question"),
]
