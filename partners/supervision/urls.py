from django.urls import path

from partners.supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.review, name="review"),
    path("supervision/safety-events/", views.safety_feed, name="safety_feed"),
    path("supervision/safety-events/<int:event_id>/review/", views.safety_review, name="safety_review"),
    path("supervision/care-partners/<int:supervisee_id>/", views.supervisee, name="supervisee"),
    path("supervision/care-partners/<int:supervisee_id>/sessions/new/", views.session_new, name="session_new"),
    path("supervision/actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("my-supervision/", views.mine, name="mine"),
    path("training/", views.training, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("fidelity/", views.fidelity, name="fidelity"),
]
