from django.urls import path

from partners.voice import views

app_name = "voice"

urlpatterns = [
    path("people/<int:person_id>/session/new/", views.start, name="start"),
    path("people/<int:person_id>/session/<int:session_id>/ratings/", views.rate, name="rate"),
    path("people/<int:person_id>/session/<int:session_id>/choose/", views.choose, name="choose"),
    path("people/<int:person_id>/session/<int:session_id>/talk/<slug:area>/", views.talk, name="talk"),
    path("people/<int:person_id>/session/<int:session_id>/finish/", views.finish, name="finish"),
]
