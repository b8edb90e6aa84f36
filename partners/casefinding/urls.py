from django.urls import path

from partners.casefinding import views

app_name = "casefinding"

urlpatterns = [
    path("case-finding/", views.home, name="home"),
    path("case-finding/imports/", views.imports, name="imports"),
    path("case-finding/imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("case-finding/imports/<int:batch_id>/report.csv", views.import_report_csv, name="import_report"),
    path("case-finding/code-list/", views.codes, name="codes"),
    path("case-finding/run/", views.run, name="run"),
    path("case-finding/review/", views.review, name="review"),
    path("case-finding/worklist/", views.worklist, name="worklist"),
    path("case-finding/people/<int:result_id>/", views.person, name="person"),
    path("case-finding/letters/<int:attempt_id>.pdf", views.letter, name="letter"),
]
