from django.urls import path

from partners.care import views

app_name = "care"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/<int:person_id>/accept/", views.accept, name="accept"),
    path("people/<int:person_id>/contact/", views.contact_new, name="contact"),
    path("people/<int:person_id>/history/", views.care_history, name="history"),
    path("people/<int:person_id>/understanding/", views.understanding_edit, name="understanding"),
    path("people/<int:person_id>/goals/new/", views.goal_new, name="goal_new"),
    path("people/<int:person_id>/goals/<int:goal_id>/review/", views.goal_review, name="goal_review"),
    path("people/<int:person_id>/goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("people/<int:person_id>/rhythm/", views.rhythm_edit, name="rhythm"),
    path("people/<int:person_id>/urgent/", views.urgent, name="urgent"),
    path("people/<int:person_id>/referrals/new/", views.referral_new, name="referral_new"),
    path("people/<int:person_id>/referrals/<int:referral_id>/", views.referral_outcome, name="referral_outcome"),
    path("people/<int:person_id>/phase/", views.phase_edit, name="phase"),
    path("people/<int:person_id>/secondary-care/", views.secondary_care, name="secondary_care"),
    path("people/<int:person_id>/handover/", views.handover, name="handover"),
    path("people/<int:person_id>/refer/", views.refer, name="refer"),
    path("services/", views.directory, name="directory"),
    path("services/new/", views.service_edit, name="service_new"),
    path("services/<int:service_id>/", views.service_edit, name="service_edit"),
    path("cover/", views.cover, name="cover"),
    path("cover/<str:what>/new/", views.cover_form, name="cover_form"),
    path("cover/<str:what>/<int:item_id>/end/", views.cover_end, name="cover_end"),
]
