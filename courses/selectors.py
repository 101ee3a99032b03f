"""Reads for pages and dashboards: what to show a visitor or learner, in a fixed number of queries.

Pages are shown in the visitor's language; learning records point at default-language pages, so
each selector maps the pages it shows to their default-language ids (`_canonical_ids`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Prefetch
from wagtail.models import Page

from courses.access import course_access, learner_state
from courses.localization import default_locale
from courses.models import (
    CoursePage,
    EvidenceSubmission,
    FieldProjectPage,
    KnowledgeCheckAttempt,
    KnowledgeCheckPage,
    LessonPage,
    Milestone,
    QualificationPage,
    Region,
    Topic,
)
from courses.outline import get_outline
from courses.progress import course_summary


def _canonical_ids(pages) -> dict[int, int]:
    """Map each page's id to the id of its default-language translation (one query at most)."""
    pages = list(pages)
    locale = default_locale()
    mapping = {p.id: p.id for p in pages if p.locale_id == locale.id}
    others = [p for p in pages if p.locale_id != locale.id]
    if others:
        by_key = dict(
            Page.objects.filter(
                translation_key__in=[p.translation_key for p in others], locale=locale
            ).values_list("translation_key", "id")
        )
        for page in others:
            mapping[page.id] = by_key.get(page.translation_key, page.id)
    return mapping


def canonical_id(page) -> int:
    return _canonical_ids([page])[page.id]


# --- catalog ------------------------------------------------------------------------------


def catalog_listing(*, catalog, query: str = "", region: str = "", topic: str = "") -> dict:
    children = Page.objects.child_of(catalog).live()
    qualifications = list(QualificationPage.objects.child_of(catalog).live().order_by("path"))
    courses = (
        CoursePage.objects.child_of(catalog)
        .live()
        .order_by("path")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("name")))
    )
    if region in Region.values:
        courses = courses.filter(region=region)
    else:
        region = ""
    topics = list(Topic.objects.filter(locale=catalog.locale))
    if topic and any(t.slug == topic for t in topics):
        courses = courses.filter(topics__slug=topic, topics__locale=catalog.locale)
    else:
        topic = ""
    lessons = []
    if query:
        course_hits = {p.id for p in CoursePage.objects.child_of(catalog).live().search(query)}
        courses = courses.filter(id__in=course_hits) if course_hits else courses.none()
        qualification_hits = {
            p.id for p in QualificationPage.objects.child_of(catalog).live().search(query)
        }
        qualifications = [q for q in qualifications if q.id in qualification_hits]
        lessons = list(LessonPage.objects.live().descendant_of(catalog).search(query)[:20])
        _attach_parents(lessons)
    courses = list(courses)
    return {
        "qualifications": qualifications,
        "courses": courses,
        "lesson_hits": lessons,
        "query": query,
        "regions": Region.choices,
        "topics": topics,
        "selected_region": region,
        "selected_topic": topic,
        "has_children": children.exists(),
    }


def _attach_parents(lessons: list[Page]) -> None:
    """Give each lesson `.course_title` and `.module_title` (one query)."""
    step = Page.steplen
    paths = {p.path[:-step] for p in lessons} | {p.path[: -2 * step] for p in lessons}
    titles = dict(Page.objects.filter(path__in=paths).values_list("path", "title"))
    for lesson in lessons:
        lesson.module_title = titles.get(lesson.path[:-step], "")
        lesson.course_title = titles.get(lesson.path[: -2 * step], "")


# --- course, module, lesson ---------------------------------------------------------------


def _course_tree(course) -> list[dict]:
    """Modules in order, each with its lessons and check: one query for the whole course."""
    descendants = list(
        Page.objects.descendant_of(course)
        .live()
        .filter(depth__lte=course.depth + 2)
        .order_by("path")
        .select_related("content_type")
        .only(
            "id",
            "title",
            "slug",
            "path",
            "depth",
            "url_path",
            "content_type",
            "locale_id",
            "translation_key",
        )
    )
    modules = []
    by_path: dict[str, dict] = {}
    for page in descendants:
        model = page.content_type.model
        if page.depth == course.depth + 1 and model == "modulepage":
            entry = {"page": page, "lessons": [], "check": None}
            modules.append(entry)
            by_path[page.path] = entry
        elif page.depth == course.depth + 2:
            parent = by_path.get(page.path[: -Page.steplen])
            if parent is None:
                continue
            if model == "lessonpage":
                parent["lessons"].append(page)
            elif model == "knowledgecheckpage":
                parent["check"] = page
    return modules


def course_context(*, course, user) -> dict:
    outline = get_outline()
    tree = _course_tree(course)
    pages = (
        [course]
        + [m["page"] for m in tree]
        + [le for m in tree for le in m["lessons"]]
        + [m["check"] for m in tree if m["check"]]
    )
    ids = _canonical_ids(pages)
    course_id = ids[course.id]
    state = learner_state(user)
    access = course_access(state, course_id, outline)
    summary = (
        course_summary(state.facts, outline.courses[course_id])
        if course_id in outline.courses
        else None
    )
    module_status = {m["id"]: m for m in (summary["modules"] if summary else [])}
    lessons_done = state.facts.get("lessons", {})
    for module in tree:
        status = module_status.get(ids[module["page"].id], {})
        module["done"] = status.get("done", 0)
        module["total"] = status.get(
            "total", len(module["lessons"]) + (1 if module["check"] else 0)
        )
        module["complete"] = bool(status.get("complete_at"))
        module["locked"] = ids[module["page"].id] in access.locked_modules
        module["percent"] = round(100 * module["done"] / module["total"]) if module["total"] else 0
        for lesson in module["lessons"]:
            lesson.is_done = str(ids[lesson.id]) in lessons_done
    prerequisites = list(
        CoursePage.objects.filter(id__in=[p.required_id for p in course.prerequisites.all()]).only(
            "id", "title", "url_path"
        )
    )
    localized_prereqs = _localize(prerequisites, course.locale)
    qualifications = _localize(
        list(
            QualificationPage.objects.live()
            .filter(required_courses__course_id=course_id)
            .distinct()
        ),
        course.locale,
    )
    missing = set(access.missing_prerequisites)
    prerequisite_ids = _canonical_ids(localized_prereqs)
    for prerequisite in localized_prereqs:
        prerequisite.is_missing = prerequisite_ids[prerequisite.id] in missing
    return {
        "modules": tree,
        "canonical_id": course_id,
        "enrolled": access.enrolled,
        "access": access,
        "summary": summary,
        "prerequisite_courses": localized_prereqs,
        "qualifications": qualifications,
        "next_page": _next_page(summary, tree, ids) if access.enrolled else None,
    }


def _localize(pages: list[Page], locale) -> list[Page]:
    """Each page in `locale` where a live translation exists (one query)."""
    if not pages:
        return []
    translations = {
        p.translation_key: p
        for p in Page.objects.live()
        .filter(translation_key__in=[p.translation_key for p in pages], locale=locale)
        .specific()
    }
    return [translations.get(p.translation_key, p) for p in pages]


def _next_page(summary, tree, ids) -> Page | None:
    if not summary or not summary["next"]:
        return None
    wanted = summary["next"]["id"]
    for module in tree:
        for page in [*module["lessons"], module["check"]]:
            if page is not None and ids[page.id] == wanted:
                return page
    return None


def module_context(*, module, user) -> dict:
    course = module.get_parent().specific
    context = course_context(course=course, user=user)
    current = next((m for m in context["modules"] if m["page"].id == module.id), None)
    return {**context, "course": course, "module_entry": current}


def lesson_context(*, lesson, user) -> dict:
    module = lesson.get_parent().specific
    course = module.get_parent().specific
    context = course_context(course=course, user=user)
    sequence = [
        page for m in context["modules"] for page in [*m["lessons"], m["check"]] if page is not None
    ]
    position = next((i for i, p in enumerate(sequence) if p.id == lesson.id), None)
    entry = next((m for m in context["modules"] if m["page"].id == module.id), None)
    lesson_id = _canonical_ids([lesson])[lesson.id]
    return {
        **context,
        "course": course,
        "module": module,
        "module_entry": entry,
        "lesson_id": lesson_id,
        "is_done": any(
            le.id == lesson.id and le.is_done for le in (entry["lessons"] if entry else [])
        ),
        "locked": bool(entry and entry["locked"]),
        "previous_page": sequence[position - 1] if position else None,
        "next_in_course": sequence[position + 1]
        if position is not None and position + 1 < len(sequence)
        else None,
    }


# --- knowledge checks ---------------------------------------------------------------------


def public_questions(check: KnowledgeCheckPage) -> list[dict]:
    """Questions and choices without which choices are correct: safe to send to a browser."""
    return [
        {
            "id": block.id,
            "text": block.value["text"],
            "multiple": block.value["multiple"],
            "choices": [
                {"id": item.id, "text": item.value["text"]}
                for item in block.value["choices"].bound_blocks
            ],
        }
        for block in check.questions
    ]


def knowledge_check_context(*, check, user) -> dict:
    from courses.learning import attempt_feedback, attempts_allowed

    module = check.get_parent().specific
    course = module.get_parent().specific
    context = course_context(course=course, user=user)
    check_id = _canonical_ids([check])[check.id]
    attempts = []
    if user.is_authenticated:
        attempts = list(
            KnowledgeCheckAttempt.objects.filter(learner=user, check_page_id=check_id).order_by(
                "number"
            )
        )
    questions = public_questions(check)
    used = len(attempts)
    allowed = attempts_allowed(user, check) if user.is_authenticated else check.max_attempts
    left = None if not allowed else max(allowed - used, 0)
    passed = any(a.passed for a in attempts)
    last = attempts[-1] if attempts else None
    reveal = bool(last and (passed or left == 0))
    feedback = {}
    if last is not None:
        # Explanations come from the page being viewed (its language), ids are shared.
        for item in attempt_feedback(check, last, reveal):
            feedback[item["question"]] = item
    for question in questions:
        question["feedback"] = feedback.get(question["id"])
        chosen = set(feedback[question["id"]]["chosen"]) if question["id"] in feedback else set()
        correct = (
            set(feedback[question["id"]].get("correct_choices", []))
            if question["id"] in feedback
            else set()
        )
        for choice in question["choices"]:
            choice["was_chosen"] = choice["id"] in chosen
            choice["is_correct"] = choice["id"] in correct
    entry = next((m for m in context["modules"] if m["page"].id == module.id), None)
    return {
        **context,
        "course": course,
        "module": module,
        "check_id": check_id,
        "questions": questions,
        "attempts": attempts,
        "last_attempt": last,
        "attempts_left": left,
        "passed": passed,
        "reveal": reveal,
        "can_attempt": not passed
        and context["access"].module_open(_canonical_ids([module])[module.id])
        and (left is None or left > 0),
        "locked": bool(entry and entry["locked"]),
    }


# --- qualification and field project ------------------------------------------------------


def qualification_context(*, qualification, user) -> dict:
    courses = [link.course for link in qualification.required_courses.select_related("course")]
    courses = _localize(courses, qualification.locale)
    ids = _canonical_ids([qualification])
    state = learner_state(user)
    outline = get_outline()
    course_ids = _canonical_ids(courses)
    for course in courses:
        course.is_complete = state.course_complete(course_ids[course.id], outline)
    required = [p.required for p in qualification.prerequisites.select_related("required")]
    prerequisites = _localize(required, qualification.locale)
    held: set[int] = set()
    evidence = None
    if user.is_authenticated:
        held = set(
            Milestone.objects.filter(
                enrolment__learner=user,
                kind=Milestone.Kind.REQUIREMENTS_MET,
                # Milestones are recorded on the default-language qualification.
                page_id__in=list(_canonical_ids(required).values()),
            ).values_list("page_id", flat=True)
        )
        evidence = (
            EvidenceSubmission.objects.filter(learner=user, qualification_id=ids[qualification.id])
            .order_by("-submitted_at")
            .first()
        )
    canonical_required = _canonical_ids(prerequisites)
    for prerequisite in prerequisites:
        prerequisite.is_held = canonical_required[prerequisite.id] in held
    return {
        "courses": courses,
        "prerequisite_qualifications": prerequisites,
        "missing_prerequisites": [p for p in prerequisites if not p.is_held],
        "project": FieldProjectPage.objects.child_of(qualification).live().first(),
        "enrolled": state.enrolled_in(ids[qualification.id]),
        "canonical_id": ids[qualification.id],
        "evidence": evidence,
        "can_submit_evidence": evidence is None
        or evidence.status == EvidenceSubmission.Status.REJECTED,
    }


def field_project_context(*, project, user) -> dict:
    from courses.grading import rubric_of
    from courses.learning import submission_deadline, submission_of
    from courses.models import Grade

    project_id = _canonical_ids([project])[project.id]
    canonical = project if project_id == project.id else FieldProjectPage.objects.get(id=project_id)
    qualification = project.get_parent().specific
    state = learner_state(user)
    outline = get_outline()
    enrolled = state.enrolled_in(outline.project_qualification.get(project_id, -1))
    submission = versions = grade = None
    feedback_by_version = defaultdict(list)
    if user.is_authenticated:
        submission = submission_of(user, canonical)
        if submission is not None:
            versions = list(
                submission.versions.prefetch_related("files", "revision_requests").order_by(
                    "-number"
                )
            )
            grade = Grade.objects.filter(
                submission=submission, learner=user, status=Grade.Status.RELEASED
            ).first()
            for version in versions:
                feedback_by_version[version.id] = list(version.revision_requests.all())
    return {
        "qualification": qualification,
        "rubric": rubric_of(project),
        "enrolled": enrolled,
        "submission": submission,
        "versions": versions,
        "grade": grade,
        "deadline": submission_deadline(user, canonical) if user.is_authenticated else None,
        "can_submit": enrolled and (submission is None or submission.status != "graded"),
        "team_members": list(submission.members.select_related("learner")) if submission else [],
    }


# --- dashboard ------------------------------------------------------------------------------


def _progress_series(facts: dict, total: int) -> list[tuple[str, int]]:
    """(date, percent complete) at the end of each day something was completed."""
    if not total:
        return []
    times = list(facts.get("lessons", {}).values())
    for attempts in facts.get("checks", {}).values():
        passed = [a["at"] for a in attempts.values() if a["passed"]]
        if passed:
            times.append(min(passed))
    for project in facts.get("projects", {}).values():
        grade = project.get("grade")
        if grade and grade["passed"]:
            times.append(grade["at"])
    series, done = [], 0
    for day in sorted({t[:10] for t in times}):
        done = sum(1 for t in times if t[:10] <= day)
        series.append((day, min(100, round(100 * done / total))))
    return series


def dashboard_for(user, locale) -> dict:
    """A learner's enrolments with progress, next steps, deadlines and feedback."""
    from courses.models import Enrolment, Grade, RevisionRequest, SubmissionMember

    outline = get_outline()
    enrolments = list(
        Enrolment.objects.filter(learner=user, via__isnull=True)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("snapshot", "cohort")
        .order_by("-enrolled_at")
    )
    wanted: set[int] = set()
    for enrolment in enrolments:
        wanted.add(enrolment.page_id)
        snapshot = getattr(enrolment, "snapshot", None)
        summary = snapshot.summary if snapshot else {}
        if summary.get("next"):
            wanted.add(summary["next"]["id"])
        wanted.update(c["id"] for c in summary.get("courses", []))
        wanted.update(m["id"] for m in summary.get("modules", []))
        for course in summary.get("courses", []):
            if course["id"] in outline.courses:
                wanted.update(m.id for m in outline.courses[course["id"]].modules)
    canonical = {p.id: p for p in Page.objects.filter(id__in=wanted)}
    shown = {p.translation_key: p for p in _localize(list(canonical.values()), locale)}

    def page_in_language(page_id):
        page = canonical.get(page_id)
        return shown.get(page.translation_key, page) if page else None

    project_ids = [
        outline.qualifications[e.page_id].field_project_id
        for e in enrolments
        if e.page_id in outline.qualifications
        and outline.qualifications[e.page_id].field_project_id
    ]
    deadline_days = dict(
        FieldProjectPage.objects.filter(id__in=project_ids).values_list("id", "deadline_days")
    )
    rows = []
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        summary = snapshot.summary if snapshot else None
        deadline = None
        qualification = outline.qualifications.get(enrolment.page_id)
        if qualification and qualification.field_project_id in deadline_days:
            if enrolment.cohort and enrolment.cohort.submission_deadline:
                deadline = enrolment.cohort.submission_deadline
            else:
                deadline = enrolment.enrolled_at + timedelta(
                    days=deadline_days[qualification.field_project_id]
                )
        parts = []
        if summary:
            for course in summary.get("courses", []):
                parts.append({"page": page_in_language(course["id"]), **course})
                # A qualification's snapshot holds its courses' facts: show their modules too.
                if course["id"] in outline.courses:
                    modules = course_summary(snapshot.facts, outline.courses[course["id"]])
                    for module in modules["modules"]:
                        parts.append({"page": page_in_language(module["id"]), **module})
            for module in summary.get("modules", []):
                parts.append({"page": page_in_language(module["id"]), **module})
        rows.append(
            {
                "enrolment": enrolment,
                "page": page_in_language(enrolment.page_id),
                "summary": summary,
                "parts": parts,
                "next_page": page_in_language(summary["next"]["id"])
                if summary and summary.get("next")
                else None,
                "deadline": deadline,
                "series": _progress_series(snapshot.facts, summary["total"]) if summary else [],
                "pending": snapshot is None,
            }
        )
    grades = list(
        Grade.objects.filter(learner=user, status=Grade.Status.RELEASED)
        .select_related("submission__field_project")
        .order_by("-released_at")
    )
    submission_ids = SubmissionMember.objects.filter(learner=user).values("submission_id")
    returns = list(
        RevisionRequest.objects.filter(version__submission_id__in=submission_ids)
        .select_related("version__submission__field_project", "instructor")
        .order_by("-created_at")[:10]
    )
    return {"rows": rows, "grades": grades, "returns": returns}
