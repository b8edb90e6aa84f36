from django.urls import path

from partners.letters import views

app_name = "letters"

urlpatterns = [
    path("people/<int:person_id>/letters/<slug:kind>.pdf", views.person_letter_pdf, name="person_letter"),
]
