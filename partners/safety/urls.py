from django.urls import path

from partners.safety import views

app_name = "safety"

urlpatterns = [
    path("people/<int:person_id>/safety-events/new/", views.safety_event_new, name="event_new"),
    path("people/<int:person_id>/health-checks/new/", views.health_check_new, name="health_check_new"),
    path("people/<int:person_id>/conditions/new/", views.condition_new, name="condition_new"),
    path("people/<int:person_id>/medications/new/", views.medication_new, name="medication_new"),
    path("health-checks/", views.practice_health_checks, name="health_checks"),
]
