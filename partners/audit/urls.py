from django.urls import path

from partners.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.search, name="search"),
    path("audit/break-glass/", views.break_glass, name="break_glass"),
    path("audit/alerts/", views.alerts, name="alerts"),
    path("audit/alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
