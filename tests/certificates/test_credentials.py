"""The Open Badges 3.0 credential of an issued certificate: what it says, and what it must not."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from certificates.credential_checks import format_problems
from certificates.credentials import build_credential, certificate_url, status_list_url
from certificates.dates import parse_time
from certificates.issuance import add_months
from certificates.jsonld import CONTEXTS, assert_fully_defined, expand
from certificates.models import StatusList
from tests.certificates.conftest import HOLDER_NAME, issue
from tests.conftest import make_user


def test_contexts_types_and_ids(issued, settings):
    credential = issued.credential
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["@context"] == CONTEXTS
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == certificate_url(issued.id)
    assert credential["issuer"] == {
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": settings.ISSUER_NAME,
        "url": "http://testserver/",
    }
    assert format_problems(credential) == []


def test_every_property_is_defined_by_the_contexts_so_expansion_drops_nothing(issued):
    unsigned = {k: v for k, v in issued.credential.items() if k != "proof"}
    assert_fully_defined(unsigned)
    # And the expanded form really carries the values: holder, achievement, evidence, status.
    expanded = json.dumps(expand(unsigned), ensure_ascii=False)
    for value in (
        HOLDER_NAME,
        "Test Qualification",
        "Certificate",
        issued.credential["evidence"][0]["narrative"],
        issued.credential["credentialStatus"]["statusListIndex"],
    ):
        assert value in expanded, value


def test_the_subject_holds_the_name_and_the_achievement(issued, curriculum):
    subject = issued.credential["credentialSubject"]
    qualification = curriculum.qualification
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == HOLDER_NAME
    achievement = subject["achievement"]
    image = achievement.pop("image")
    assert achievement == {
        "id": f"http://testserver/achievements/{qualification.slug}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": qualification.title,
        "description": qualification.summary,
        "criteria": {
            "id": f"http://testserver{qualification.url}",
            "narrative": qualification.criteria_narrative,
        },
        "inLanguage": "en",
    }
    # The qualification's badge: with no seal uploaded, the seal drawn for it, as SVG data.
    assert image["type"] == "Image"
    assert image["id"].startswith("data:image/svg+xml;base64,")
    assert image["caption"] == "Seal of Test Qualification"
    # No field project was graded for this holder: no rubric, no results.
    assert "result" not in subject


def test_attack_guessable_email_hash_no_email_in_any_form(issued, issued_pdf):
    """Issue 17: the credential published SHA-256(e-mail + salt) with the salt, so a guessed
    address could be confirmed. No identifier is published now, hashed or not."""
    email = issued.learner.email
    assert email
    subject = issued.credential["credentialSubject"]
    assert "identifier" not in subject
    text = json.dumps(issued.credential)
    assert email not in text
    assert "salt" not in text and "identityHash" not in text
    assert hashlib.sha256(email.encode()).hexdigest() not in text
    reader = PdfReader(__import__("io").BytesIO(issued_pdf))
    attachment = reader.attachments["credential.json"][0].decode()
    assert email not in attachment and "identityHash" not in attachment
    assert email not in reader.pages[0].extract_text()
    assert email.encode() not in issued_pdf
    assert "email" not in issued.frozen and "email_salt" not in issued.frozen


def test_an_old_frozen_email_is_not_published_on_reissue(issued):
    from certificates.credentials import build_credential

    frozen = {**issued.frozen, "email": "old@example.org", "email_salt": "ab" * 16}
    credential = build_credential(
        certificate_id=issued.id,
        frozen=frozen,
        valid_from=issued.valid_from,
        valid_until=issued.valid_until,
        status_index=issued.status_index,
    )
    assert "identifier" not in credential["credentialSubject"]
    assert "old@example.org" not in json.dumps(credential)


def test_validity_comes_from_the_qualification(issued, curriculum):
    months = curriculum.qualification.validity_months
    assert months == 36
    valid_from = parse_time(issued.credential["validFrom"])
    valid_until = parse_time(issued.credential["validUntil"])
    assert valid_from == issued.issued_at == issued.valid_from
    assert valid_until == add_months(valid_from, months) == issued.valid_until
    assert issued.credential["proof"]["created"] == issued.credential["validFrom"]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, 30, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, 30, tzinfo=UTC)),
        (datetime(2027, 1, 31, 9, 30, tzinfo=UTC), 13, datetime(2028, 2, 29, 9, 30, tzinfo=UTC)),
        (datetime(2026, 11, 27, tzinfo=UTC), 36, datetime(2029, 11, 27, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_the_status_entry_points_into_the_status_list(issued, other_issued):
    status = issued.credential["credentialStatus"]
    assert status == {
        "id": f"{status_list_url()}#{issued.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(issued.status_index),
        "statusListCredential": "http://testserver/status/1",
    }
    assert 0 <= issued.status_index < StatusList.SIZE
    assert issued.status_index != other_issued.status_index


def test_evidence_summarises_the_courses(issued, curriculum):
    (evidence,) = issued.credential["evidence"]
    assert evidence == {
        "id": f"{certificate_url(issued.id)}#evidence-1",
        "type": ["Evidence"],
        "name": "Courses completed",
        "narrative": "Completed every lesson and passed every knowledge check of: "
        "Course One; Course Two.",
    }


def test_authored_text_with_line_breaks_is_signed_on_one_line(curriculum):
    """Control characters cannot be signed; a summary typed on two lines must not stop issuance."""
    qualification = curriculum.qualification
    qualification.summary = "First line.\nSecond line,\tafter a tab."
    qualification.save()
    learner = make_user("learner", "multiline")
    # The account form refuses control characters; an older or imported row may still hold one.
    type(learner).objects.filter(pk=learner.pk).update(full_name="Ada\tLovelace")
    learner.refresh_from_db()
    certificate = issue(learner)
    achievement = certificate.credential["credentialSubject"]["achievement"]
    assert achievement["description"] == "First line. Second line, after a tab."
    assert certificate.credential["credentialSubject"]["name"] == "Ada Lovelace"


def test_build_credential_from_frozen_data_alone():
    frozen = {
        "holder_name": "王小明",
        "achievement_id": "http://testserver/achievements/x",
        "qualification_title": "X",
        "qualification_description": "About X.",
        "criteria_narrative": "Did X.",
        "evidence": [{"name": "A", "narrative": "B"}],
    }
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    credential = build_credential(
        certificate_id="ID", frozen=frozen, valid_from=moment, valid_until=None, status_index=7
    )
    assert credential["validFrom"] == "2026-03-01T09:30:15Z"
    assert credential["credentialSubject"]["name"] == "王小明"
    assert "identifier" not in credential["credentialSubject"]
    assert_fully_defined(credential)
