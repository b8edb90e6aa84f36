from django.urls import path

from partners.trial import views

app_name = "trial"

urlpatterns = [
    path("trials/", views.home, name="home"),
    path("trials/new/", views.trial_new, name="new"),
    path("trials/unblinding/", views.unblinding, name="unblinding"),
    path("trials/<int:trial_id>/", views.detail, name="detail"),
    path("trials/<int:trial_id>/practices/add/", views.practices_add, name="practices_add"),
    path("trials/<int:trial_id>/practices/<int:tp_id>/", views.practice, name="practice"),
    path("trials/<int:trial_id>/practices/<int:tp_id>/randomise/", views.randomise, name="randomise"),
    path("trials/<int:trial_id>/allocations/", views.allocations, name="allocations"),
    path("trials/<int:trial_id>/allocations/<int:sequence>/", views.allocation, name="allocation"),
    path("trials/<int:trial_id>/balance/", views.balance, name="balance"),
    path("trials/<int:trial_id>/produce/<str:kind>/", views.produce, name="produce"),
    path("trials/<int:trial_id>/outputs/<int:run_id>/<str:filename>", views.download, name="download"),
    path("trials/<int:trial_id>/unblind/", views.unblind, name="unblind"),
]
