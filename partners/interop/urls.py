from django.urls import path, re_path

from partners.interop import extracts, views

app_name = "interop"

urlpatterns = [
    path("fhir/R4/metadata", views.metadata, name="metadata"),
    path("fhir/R4/", views.transaction, name="transaction"),
    path("fhir/R4/Patient/<str:rid>/$everything", views.everything, name="everything"),
    re_path(r"^fhir/R4/(?P<rtype>[A-Z][A-Za-z]+)$", views.search, name="search"),
    re_path(r"^fhir/R4/(?P<rtype>[A-Z][A-Za-z]+)/(?P<rid>[A-Za-z0-9\-\.]{1,64})$", views.read, name="read"),
    re_path(r"^fhir/(?P<rest>.*)$", views.not_found),
    path("practice/extract.csv", extracts.practice_list_download, name="practice_list"),
]
