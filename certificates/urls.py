from django.urls import path

from certificates import views

urlpatterns = [
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:certificate_id>/", views.verify_page, name="verify-certificate"),
    path("certificates/<str:certificate_id>.pdf", views.certificate_pdf, name="certificate-pdf"),
    path(
        "certificates/<str:certificate_id>/credential.json",
        views.credential_json,
        name="certificate-credential",
    ),
    path(
        "certificates/<str:certificate_id>/share.png",
        views.certificate_share_image,
        name="certificate-share-image",
    ),
    path(
        "certificates/<str:certificate_id>/visibility",
        views.certificate_visibility,
        name="certificate-visibility",
    ),
    # The URL the signed credential names as its id: the certificate's own page.
    path("certificates/<str:certificate_id>", views.certificate_page, name="certificate-page"),
    path(".well-known/did.json", views.did_json, name="did-document"),
    path("issuer", views.issuer, name="issuer-profile"),
    path("status/<int:list_id>", views.status_list, name="status-list"),
]
