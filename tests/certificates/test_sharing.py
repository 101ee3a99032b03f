"""A certificate that travels: its own page (public, or private at its holder's wish), the
picture shown when it is shared, LinkedIn's add-to-profile link, and the same in the API."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from PIL import Image

from certificates.sharing import LINKEDIN_ADD_TO_PROFILE, linkedin_url
from tests.certificates.conftest import HOLDER_NAME
from tests.conftest import make_user
from tests.courses.helpers import ApiClient


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_private(issued):
    issued.public = False
    issued.save(update_fields=["public"])
    return issued


# --- the page -----------------------------------------------------------------------------


def test_the_page_is_at_the_url_the_credential_names(client, issued):
    assert issued.credential["id"] == f"http://testserver/certificates/{issued.id}"
    response = client.get(f"/certificates/{issued.id}")
    assert response.status_code == 200
    html = response.content.decode()
    assert HOLDER_NAME in html
    assert "Test Qualification" in html
    assert "Cluster Manager Academy" in html
    assert issued.id in html
    assert f'href="/verify/{issued.id}/"' in html
    assert f'href="/certificates/{issued.id}/credential.json"' in html
    # Someone else sees neither the holder's tools nor the LinkedIn button.
    assert "Make this page private" not in html
    assert "linkedin.com" not in html
    # Caches ask again every time: making the page private takes effect at once.
    assert response["Cache-Control"] == "public, no-cache"


def test_the_page_carries_open_graph_and_twitter_card_tags(client, issued):
    html = client.get(f"/certificates/{issued.id}").content.decode()
    image = f"http://testserver/certificates/{issued.id}/share.png"
    for tag in (
        f'<meta property="og:url" content="http://testserver/certificates/{issued.id}">',
        f'<meta property="og:image" content="{image}">',
        '<meta property="og:image:width" content="1200">',
        f'<meta property="og:title" content="{HOLDER_NAME}: Test Qualification">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta name="twitter:image" content="{image}">',
    ):
        assert tag in html, tag


def test_the_share_picture_is_the_first_page_on_a_card(client, issued):
    response = client.get(f"/certificates/{issued.id}/share.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.size == (1200, 630)
    # The card's edge is the certificate's main colour; the page in the middle is paper.
    assert picture.getpixel((5, 5)) == (11, 58, 102)
    assert picture.getpixel((600, 100)) == (255, 255, 255)
    # Made once, then served as kept.
    assert client.get(f"/certificates/{issued.id}/share.png").content == response.content


def test_the_holder_sees_their_tools(issued):
    html = client_for(issued.learner).get(f"/certificates/{issued.id}").content.decode()
    assert "Make this page private" in html
    assert "Add to LinkedIn" in html
    assert f'href="/certificates/{issued.id}.pdf"' in html


def test_an_unknown_certificate_has_no_page(client, db):
    assert client.get("/certificates/7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA").status_code == 404


# --- private --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/certificates/{id}", "/certificates/{id}/share.png", "/certificates/{id}/credential.json"],
)
def test_a_private_page_is_404_to_everyone_but_the_holder_and_staff(issued, path):
    make_private(issued)
    url = path.format(id=issued.id)
    assert client_for().get(url).status_code == 404
    assert client_for(make_user("learner", "nosy")).get(url).status_code == 404
    assert client_for(make_user("instructor", "curious")).get(url).status_code == 404
    holder = client_for(issued.learner).get(url)
    assert holder.status_code == 200
    assert "private" in holder["Cache-Control"]
    assert client_for(make_user("staff", "auditor")).get(url).status_code == 200


def test_a_private_certificate_still_verifies_by_its_id(client, issued):
    make_private(issued)
    page = client.get(f"/verify/{issued.id}/")
    assert page.status_code == 200
    assert 'data-status="valid"' in page.content.decode()
    api = client.get(f"/api/v1/certificates/{issued.id}/verification")
    assert api.status_code == 200
    assert api.json()["status"] == "valid"
    assert api.json()["holder_name"] == HOLDER_NAME


def test_a_private_certificates_credential_still_verifies_as_a_file(client, issued):
    """What the holder handed on (the credential from a wallet or the PDF) checks out, even
    though the page it names answers 404 to the person checking."""
    make_private(issued)
    assert client.get(f"/certificates/{issued.id}").status_code == 404
    upload = io.BytesIO(json.dumps(issued.credential).encode())
    upload.name = "credential.json"
    response = client.post("/api/v1/verifications", {"file": upload})
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    assert response.json()["certificate_id"] == issued.id


def test_a_private_certificates_verification_page_does_not_link_to_the_page(client, issued):
    make_private(issued)
    html = client.get(f"/verify/{issued.id}/").content.decode()
    assert f'href="/certificates/{issued.id}"' not in html
    assert f"/certificates/{issued.id}/credential.json" not in html


def test_a_private_page_is_404_to_a_wallet_token_too(issued):
    """A token of the Open Badges API is no login: the page stays private to it."""
    from lms.obapi import scopes
    from tests.lms.obapi.wallet import Wallet

    make_private(issued)
    wallet = Wallet()
    token = wallet.tokens_for(issued.learner, scope=scopes.CREDENTIAL_READ)["access_token"]
    for path in ("/certificates/{id}", "/certificates/{id}/credential.json"):
        response = Client().get(path.format(id=issued.id), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404


def test_the_holders_private_page_says_so_and_is_not_indexed(issued):
    make_private(issued)
    html = client_for(issued.learner).get(f"/certificates/{issued.id}").content.decode()
    assert "Only you can see this page" in html
    assert "Make this page public" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


# --- the holder decides: web page ------------------------------------------------------------


def test_the_holder_makes_the_page_private_and_public_again(issued):
    holder = client_for(issued.learner)
    response = holder.post(f"/certificates/{issued.id}/visibility", {"public": "0"})
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{issued.id}"
    issued.refresh_from_db()
    assert issued.public is False
    assert client_for().get(f"/certificates/{issued.id}").status_code == 404
    page = holder.get(f"/certificates/{issued.id}").content.decode()
    assert "Only you can now see this page" in page

    holder.post(f"/certificates/{issued.id}/visibility", {"public": "1"})
    issued.refresh_from_db()
    assert issued.public is True
    assert client_for().get(f"/certificates/{issued.id}").status_code == 200


def test_nobody_else_changes_who_sees_the_page(issued):
    for user in (make_user("learner", "meddler"), make_user("staff", "admin-ish")):
        response = client_for(user).post(f"/certificates/{issued.id}/visibility", {"public": "0"})
        assert response.status_code == 404
    anonymous = client_for().post(f"/certificates/{issued.id}/visibility", {"public": "0"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    issued.refresh_from_db()
    assert issued.public is True


def test_a_visibility_form_without_a_choice_changes_nothing(issued):
    holder = client_for(issued.learner)
    response = holder.post(
        f"/certificates/{issued.id}/visibility", {"public": "maybe"}, follow=True
    )
    assert "Choose whether the page is public or private." in response.content.decode()
    issued.refresh_from_db()
    assert issued.public is True


# --- LinkedIn ----------------------------------------------------------------------------------


def test_the_linkedin_link_fills_in_the_certification(issued):
    url = linkedin_url(issued)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == LINKEDIN_ADD_TO_PROFILE
    query = parse_qs(parts.query)
    assert query == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Test Qualification"],
        "organizationName": ["Cluster Manager Academy"],
        "issueYear": [str(issued.issued_at.year)],
        "issueMonth": [str(issued.issued_at.month)],
        "expirationYear": [str(issued.valid_until.year)],
        "expirationMonth": [str(issued.valid_until.month)],
        "certUrl": [f"http://testserver/certificates/{issued.id}"],
        "certId": [issued.id],
    }
    # Properly encoded: spaces, slashes and colons never appear raw in the query.
    assert " " not in url
    assert "certUrl=http%3A%2F%2Ftestserver%2Fcertificates%2F" in url


def test_the_linkedin_link_encodes_any_title(issued):
    issued.frozen["certificate_title"] = "Cluster & Innovation Manager #1 — 集群经理"
    query = parse_qs(urlsplit(linkedin_url(issued)).query)
    assert query["name"] == ["Cluster & Innovation Manager #1 — 集群经理"]


def test_a_revoked_certificate_is_not_offered_to_linkedin(issued):
    from django.utils import timezone

    issued.revoked_at = timezone.now()
    issued.save(update_fields=["revoked_at"])
    html = client_for(issued.learner).get(f"/certificates/{issued.id}").content.decode()
    assert "Add to LinkedIn" not in html
    assert 'data-status="revoked"' in html


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_the_page_its_visibility_and_the_linkedin_link(issued):
    api = ApiClient(Client())
    response = api.get("/me/certificates", user=issued.learner)
    (row,) = response.json()
    assert row["page_url"] == f"http://testserver/certificates/{issued.id}"
    assert row["public"] is True
    assert row["linkedin_url"] == linkedin_url(issued)
    one = api.get(f"/me/certificates/{issued.id}", user=issued.learner)
    assert one.status_code == 200 and one.json() == row


def test_the_api_makes_the_page_private_and_public(issued):
    api = ApiClient(Client())
    response = api.post(
        f"/me/certificates/{issued.id}/visibility", {"public": False}, user=issued.learner
    )
    assert response.status_code == 200
    assert response.json()["public"] is False
    assert client_for().get(f"/certificates/{issued.id}").status_code == 404
    assert client_for().get(f"/api/v1/certificates/{issued.id}/verification").status_code == 200
    response = api.post(
        f"/me/certificates/{issued.id}/visibility", {"public": True}, user=issued.learner
    )
    assert response.json()["public"] is True
    assert client_for().get(f"/certificates/{issued.id}").status_code == 200


def test_the_api_answers_404_for_someone_elses_certificate(issued):
    api = ApiClient(Client())
    other = make_user("learner", "not-the-holder")
    assert api.get(f"/me/certificates/{issued.id}", user=other).status_code == 404
    response = api.post(f"/me/certificates/{issued.id}/visibility", {"public": False}, user=other)
    assert response.status_code == 404
    assert response.json() == {"detail": "You hold no certificate with this ID."}
    assert (
        api.post(
            f"/me/certificates/{issued.id}/visibility", {"public": "x"}, user=issued.learner
        ).status_code
        == 400
    )
    issued.refresh_from_db()
    assert issued.public is True
