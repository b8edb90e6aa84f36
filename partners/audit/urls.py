from django.urls import path

from partners.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.search, name="search"),
    path("audit/break-glass/", views.break_glass, name="break_glass"),
    path("audit/alerts/", views.alerts, name="alerts"),
    path("audit/alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("audit/breaches/", views.breaches, name="breaches"),
    path("audit/breaches/new/", views.breach_new, name="breach_new"),
    path("audit/breaches/<int:breach_id>/", views.breach_detail, name="breach"),
]
