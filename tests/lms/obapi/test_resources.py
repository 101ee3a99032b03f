"""The resource endpoints: the learner's credentials (paged), the profile, and credentials sent
to this site. Every response is checked against the specification's OpenAPI document."""

import copy
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from certificates.models import Certificate
from courses.models import QualificationPage
from lms.obapi import scopes
from lms.obapi.services import profile_id
from tests.lms.obapi.spec import assert_matches_spec, assert_schema
from tests.lms.obapi.wallet import Wallet


@pytest.fixture
def wallet(issued):
    return Wallet()


@pytest.fixture
def token(wallet, issued):
    return wallet.tokens_for(issued.learner)["access_token"]


def links(response) -> dict[str, dict]:
    found = {}
    for part in response["Link"].split(", "):
        url, rel = part.split("; ")
        query = parse_qs(urlsplit(url.strip("<>")).query)
        found[rel.removeprefix('rel="').rstrip('"')] = {k: v[0] for k, v in query.items()}
    return found


def status_value(response) -> str:
    return response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def copies_of(issued, count: int) -> list[Certificate]:
    """More valid certificates of the holder (rows only: what the API reads), one a day later each,
    of the other qualification pages (one current certificate per qualification; at most 3)."""
    made = []
    others = QualificationPage.objects.exclude(pk=issued.qualification_id).order_by("pk")
    for i, qualification in enumerate(others[:count], start=1):
        clone = copy.copy(issued)
        clone.qualification = qualification
        clone.pk = f"{issued.pk[:-4]}X{i:03d}"
        clone.status_index = 10_000 + i
        clone.issued_at = issued.issued_at + timedelta(days=i)
        clone.credential = {**issued.credential, "id": f"http://testserver/certificates/{clone.pk}"}
        clone.supersedes = None
        clone.save(force_insert=True)
        made.append(clone)
    return made


# --- credentials ----------------------------------------------------------------------------


def test_the_wallet_gets_the_learners_signed_credential(wallet, token, issued):
    response = wallet.get("/credentials", token)
    assert response.status_code == 200
    assert_matches_spec(response)
    body = response.json()
    assert body == {"credential": [issued.credential], "compactJwsString": []}
    assert response["X-Total-Count"] == "1"
    assert response["Cache-Control"] == "no-store"
    assert links(response) == {
        "first": {"limit": "50", "offset": "0"},
        "last": {"limit": "50", "offset": "0"},
    }


def test_credentials_come_in_pages_with_links(wallet, token, issued):
    assert len(copies_of(issued, 3)) == 3  # four in all
    first = wallet.get("/credentials", token, limit=2)
    assert_matches_spec(first)
    assert first["X-Total-Count"] == "4"
    assert first.json()["credential"][0]["id"] == issued.credential["id"]
    assert links(first) == {
        "first": {"limit": "2", "offset": "0"},
        "next": {"limit": "2", "offset": "2"},
        "last": {"limit": "2", "offset": "2"},
    }
    middle = wallet.get("/credentials", token, limit=2, offset=1)
    assert_matches_spec(middle)
    assert len(middle.json()["credential"]) == 2
    assert links(middle) == {
        "first": {"limit": "2", "offset": "0"},
        "prev": {"limit": "2", "offset": "0"},
        "next": {"limit": "2", "offset": "3"},
        "last": {"limit": "2", "offset": "2"},
    }
    last = wallet.get("/credentials", token, limit=2, offset=2)
    assert len(last.json()["credential"]) == 2
    assert set(links(last)) == {"first", "prev", "last"}
    everything = [
        c["id"]
        for offset in (0, 2)
        for c in wallet.get("/credentials", token, limit=2, offset=offset).json()["credential"]
    ]
    assert len(set(everything)) == 4
    beyond = wallet.get("/credentials", token, limit=2, offset=10)
    assert beyond.json()["credential"] == []
    assert beyond["X-Total-Count"] == "4"


def test_since_keeps_only_credentials_issued_after_it(wallet, token, issued):
    later = copies_of(issued, 2)
    since = (issued.issued_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = wallet.get("/credentials", token, since=since)
    assert_matches_spec(response)
    assert [c["id"] for c in response.json()["credential"]] == [c.credential["id"] for c in later]
    assert response["X-Total-Count"] == "2"
    assert links(response)["first"]["since"] == since


def test_only_valid_credentials_are_listed(wallet, token, issued):
    revoked, expired = copies_of(issued, 2)
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    expired.valid_until = timezone.now() - timedelta(days=1)
    expired.save(update_fields=["valid_until"])
    response = wallet.get("/credentials", token)
    assert [c["id"] for c in response.json()["credential"]] == [issued.credential["id"]]


def test_a_private_certificate_still_reaches_its_holders_wallet(wallet, token, issued):
    issued.public = False
    issued.save(update_fields=["public"])
    assert wallet.get("/credentials", token).json()["credential"] == [issued.credential]


def test_another_learners_wallet_sees_none_of_them(wallet, issued, other_issued):
    token = wallet.tokens_for(other_issued.learner)["access_token"]
    ids = [c["id"] for c in wallet.get("/credentials", token).json()["credential"]]
    assert ids == [other_issued.credential["id"]]


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "many"}, {"offset": "-1"}, {"since": "yesterday"}],
)
def test_bad_paging_parameters_are_refused(wallet, token, params):
    response = wallet.get("/credentials", token, **params)
    assert response.status_code == 400
    assert_matches_spec(response)
    assert status_value(response) == "invalid_query_parameter"
    assert next(iter(params)) in response.json()["imsx_description"]


def test_a_limit_above_the_maximum_is_capped(wallet, token):
    response = wallet.get("/credentials", token, limit=1000)
    assert links(response)["first"]["limit"] == "100"


def test_other_methods_are_not_allowed(wallet, token):
    response = wallet.send("delete", "/credentials", token, {})
    assert response.status_code == 405
    assert_schema(response.json(), "Imsx_StatusInfo")
    assert status_value(response) == "not_allowed"


# --- credentials sent to the site -----------------------------------------------------------


def test_the_learners_own_unchanged_credential_is_not_modified(wallet, token, issued):
    response = wallet.send("post", "/credentials", token, issued.credential)
    assert response.status_code == 304
    assert_matches_spec(response)


def test_a_credential_from_another_issuer_is_refused(wallet, token, issued):
    foreign = {**issued.credential, "id": "https://badges.example.org/assertions/1"}
    response = wallet.send("post", "/credentials", token, foreign)
    assert response.status_code == 403
    assert_matches_spec(response)
    assert status_value(response) == "forbidden"
    assert "other issuers" in response.json()["imsx_description"]


def test_a_changed_copy_of_the_learners_credential_is_refused(wallet, token, issued):
    changed = {**issued.credential, "name": "Grand Master of Clusters"}
    response = wallet.send("post", "/credentials", token, changed)
    assert response.status_code == 403
    assert "differs" in response.json()["imsx_description"]
    assert Certificate.objects.get(pk=issued.pk).credential == issued.credential


def test_someone_elses_credential_is_refused(wallet, token, other_issued):
    response = wallet.send("post", "/credentials", token, other_issued.credential)
    assert response.status_code == 403


def test_a_vc_jwt_is_refused_and_garbage_is_bad_data(wallet, token):
    jws = wallet.send("post", "/credentials", token, "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "text/plain")
    assert jws.status_code == 403
    assert_matches_spec(jws)
    for body, content_type in (
        ("not a jws", "text/plain"),
        ("{not json", "application/json"),
        ('{"type": ["Thing"]}', "application/json"),
        ("<xml/>", "application/xml"),
    ):
        response = wallet.send("post", "/credentials", token, body, content_type)
        assert response.status_code == 400, body
        assert_matches_spec(response)
        assert status_value(response) == "invalid_data"


def test_sending_needs_the_upsert_scope(issued):
    wallet = Wallet()
    token = wallet.tokens_for(issued.learner, scope=scopes.CREDENTIAL_READ)["access_token"]
    response = wallet.send("post", "/credentials", token, issued.credential)
    assert response.status_code == 403
    assert_matches_spec(response)


# --- profile ----------------------------------------------------------------------------


def test_the_profile_names_the_learner(wallet, token, issued):
    response = wallet.get("/profile", token)
    assert_matches_spec(response)
    assert response.json() == {
        "id": profile_id(issued.learner),
        "type": ["Profile"],
        "name": issued.learner.display_name,
        "email": "holder@example.org",
    }
    assert str(issued.learner.pk) not in response.json()["id"].split(":")[-1].split("-")


def test_the_wallet_changes_the_name(wallet, token, issued):
    profile = wallet.get("/profile", token).json()
    response = wallet.send("put", "/profile", token, {**profile, "name": "  Zoë Ångström  "})
    assert response.status_code == 200
    assert_matches_spec(response)
    assert response.json()["name"] == "Zoë Ångström"
    issued.learner.refresh_from_db()
    assert issued.learner.full_name == "Zoë Ångström"
    # The certificate keeps the name it was issued with.
    assert Certificate.objects.get(pk=issued.pk).credential == issued.credential


def test_fields_other_than_the_name_are_refused_and_nothing_changes(wallet, token, issued):
    profile = wallet.get("/profile", token).json()
    response = wallet.send(
        "put",
        "/profile",
        token,
        {**profile, "name": "New Name", "email": "new@example.org", "phone": "+1 555"},
    )
    assert response.status_code == 400
    assert_matches_spec(response)
    assert response.json()["imsx_description"] == (
        "Only the name can be changed here; these fields cannot: email, phone."
    )
    issued.learner.refresh_from_db()
    assert issued.learner.full_name != "New Name"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"id": "urn:uuid:00000000-0000-0000-0000-000000000000"}, "id must be"),
        ({"type": ["Organization"]}, "type must include"),
        ({"name": ""}, "non-empty"),
        ({"name": "x" * 151}, "longer than 150"),
        ({"name": "Bad\u0007Name"}, ""),
    ],
)
def test_a_bad_profile_is_refused(wallet, token, change, words):
    profile = wallet.get("/profile", token).json()
    response = wallet.send("put", "/profile", token, {**profile, **change})
    assert response.status_code == 400
    assert_matches_spec(response)
    assert words in response.json()["imsx_description"]


def test_a_profile_body_must_be_json(wallet, token):
    response = wallet.send("put", "/profile", token, "{nope")
    assert response.status_code == 400
    assert_matches_spec(response)
