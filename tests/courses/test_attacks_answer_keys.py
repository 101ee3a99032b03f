"""Issue 17, item 7: "an instructor assigned to nothing reads every answer key". The answer key
of a knowledge check is for staff and the instructors of the check's course (who teach it or
lead one of its cohorts), nobody else with the instructor role."""

from __future__ import annotations

from courses.knowledge_checks import answer_key, can_read_answer_key


def test_attack_instructor_assigned_to_nothing_reads_no_answer_key(
    api, curriculum, other_instructor
):
    checks = curriculum.checks()
    assert checks
    for check in checks:
        assert not can_read_answer_key(other_instructor, check)
        response = api.get(f"/knowledge-checks/{check.id}/answer-key", user=other_instructor)
        assert response.status_code == 403, check.title
        assert "instructors and staff" in response.json()["detail"]
        body = response.content.decode()
        assert not [question for question in answer_key(check) if question in body]


def test_the_courses_instructor_and_staff_still_read_it(api, curriculum, instructor, staff):
    check = curriculum.checks()[0]
    for user in (instructor, staff):
        response = api.get(f"/knowledge-checks/{check.id}/answer-key", user=user)
        assert response.status_code == 200
        assert response.json() == answer_key(check)
