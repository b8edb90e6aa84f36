from django.urls import path

from partners.organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisation/", views.home, name="home"),
    path("organisation/accounts/new/", views.account_new, name="account_new"),
    path("organisation/accounts/<int:user_id>/", views.account_edit, name="account_edit"),
    path("organisation/accounts/<int:user_id>/reset-two-factor/", views.account_two_factor_reset,
         name="account_two_factor_reset"),
]
