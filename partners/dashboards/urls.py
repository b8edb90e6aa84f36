from django.urls import path, re_path

from partners.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.home, name="home"),
    path("dashboard/equity/", views.equity, name="equity"),
    re_path(r"^dashboard/download\.(?P<fmt>csv|xlsx)$", views.download, name="download"),
    re_path(r"^dashboard/equity/download\.(?P<fmt>csv|xlsx)$", views.equity_download, name="equity_download"),
]
