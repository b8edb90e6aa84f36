from django.urls import path

from partners.registry import views

app_name = "registry"

urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/new/", views.person_create, name="create"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/edit/", views.person_edit, name="edit"),
    path("people/<int:person_id>/access/", views.person_access, name="access"),
    path("practice/", views.practice_patients, name="practice_patients"),
]
