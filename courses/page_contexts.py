"""What each curriculum page shows a visitor or learner, in a fixed number of queries.

Each page type names its function here (`context_function`); it takes the page and the request
and returns the template's extra context. Pages are shown in the visitor's language; learning
records point at default-language pages, so each function maps the pages it shows to their
default-language ids (lms.localization). Pages are never given extra attributes: what a template
shows beside a page travels with it in a small dict (`{"page": lesson, "done": True}`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from wagtail.models import Page

from courses.access import course_access
from courses.drafts import draft_of, draft_sections
from courses.enrolment import qualifications_held
from courses.grading.rubric import rubric_of
from courses.knowledge_checks import (
    answers_revealed,
    attempt_feedback,
    attempt_questions,
    attempt_start,
    check_state,
)
from courses.models import (
    CoursePage,
    EvidenceSubmission,
    FieldProjectPage,
    Grade,
    GradeChange,
    KnowledgeCheckPage,
    LessonPage,
    QualificationPage,
    Region,
    Submission,
    Topic,
)
from courses.outline import get_outline
from courses.progress import learner_progress
from courses.reports import MAX_REPORT_CHARS, sections_of, version_sections
from courses.signals import lesson_viewed
from courses.submissions import revision_due, status_for_learner, submission_deadline
from courses.teams import invitations_of, submission_of, team_members
from lms.localization import canonical_id, canonical_ids, localized_many

# --- catalog ------------------------------------------------------------------------------


def _lesson_hits(catalog, query: str) -> list[dict]:
    """Lessons matching a search, each with its course's and module's titles (two queries)."""
    lessons = list(LessonPage.objects.live().descendant_of(catalog).search(query)[:20])
    step = Page.steplen
    paths = {p.path[:-step] for p in lessons} | {p.path[: -2 * step] for p in lessons}
    titles = dict(Page.objects.filter(path__in=paths).values_list("path", "title"))
    return [
        {
            "page": lesson,
            "module_title": titles.get(lesson.path[:-step], ""),
            "course_title": titles.get(lesson.path[: -2 * step], ""),
        }
        for lesson in lessons
    ]


def catalog_context(catalog, request) -> dict:
    query = request.GET.get("q", "").strip()[:200]
    region = request.GET.get("region", "")
    topic = request.GET.get("topic", "")
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
        lessons = _lesson_hits(catalog, query)
    return {
        "qualifications": qualifications,
        "courses": list(courses),
        "lesson_hits": lessons,
        "query": query,
        "regions": Region.choices,
        "topics": topics,
        "selected_region": region,
        "selected_topic": topic,
        "has_children": children.exists(),
    }


# --- course, module, lesson ---------------------------------------------------------------


def course_tree(course) -> list[dict]:
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


def _course_outline(course, user) -> dict:
    """The course's modules with the learner's progress in each, and what they may open."""
    outline = get_outline()
    tree = course_tree(course)
    pages = [
        course,
        *(m["page"] for m in tree),
        *(le for m in tree for le in m["lessons"]),
        *(m["check"] for m in tree if m["check"]),
    ]
    ids = canonical_ids(pages)
    course_id = ids[course.id]
    progress = learner_progress(user)
    access = course_access(progress, course_id, outline)
    course_outline = outline.courses.get(course_id)
    summary = progress.course_summary(course_outline) if course_outline else None
    module_status = {m["id"]: m for m in (summary["modules"] if summary else [])}
    done_lessons = progress.lessons_done()
    passed_checks = _checks_passed(progress)
    modules = []
    for entry in tree:
        module_id = ids[entry["page"].id]
        status = module_status.get(module_id, {})
        total = status.get("total", len(entry["lessons"]) + (1 if entry["check"] else 0))
        done = status.get("done", 0)
        lessons = [
            {"page": lesson, "done": ids[lesson.id] in done_lessons} for lesson in entry["lessons"]
        ]
        check = entry["check"]
        modules.append(
            {
                "page": entry["page"],
                "id": module_id,
                "lessons": lessons,
                "check": check,
                # Lessons then the check, each with its tick: the outline beside every page.
                "items": [
                    *lessons,
                    *(
                        [{"page": check, "done": ids[check.id] in passed_checks, "check": True}]
                        if check
                        else []
                    ),
                ],
                "done": done,
                "total": total,
                "complete": bool(status.get("complete_at")),
                "locked": module_id in access.locked_modules,
                "percent": round(100 * done / total) if total else 0,
            }
        )
    next_page = None
    if access.enrolled and summary and summary["next"]:
        next_page = next(
            (
                page
                for m in tree
                for page in [*m["lessons"], m["check"]]
                if page is not None and ids[page.id] == summary["next"]["id"]
            ),
            None,
        )
    return {
        "modules": modules,
        "canonical_id": course_id,
        "enrolled": access.enrolled,
        "access": access,
        "summary": summary,
        "next_page": next_page,
    }


def _checks_passed(progress) -> set[int]:
    """Ids of the (default-language) knowledge checks the learner has passed."""
    return {
        int(check_id)
        for facts in progress.facts.values()
        for check_id, attempts in facts.get("checks", {}).items()
        if any(a["passed"] for a in attempts.values())
    }


def course_context(course, request) -> dict:
    context = _course_outline(course, request.user)
    required = list(
        CoursePage.objects.filter(id__in=[p.required_id for p in course.prerequisites.all()]).only(
            "id", "title", "url_path", "locale_id", "translation_key"
        )
    )
    shown = localized_many(required, course.locale)
    shown_ids = canonical_ids(shown)
    missing = set(context["access"].missing_prerequisites)
    qualifications = QualificationPage.objects.live().filter(
        required_courses__course_id=context["canonical_id"]
    )
    return {
        **context,
        "prerequisite_courses": [
            {"page": page, "missing": shown_ids[page.id] in missing} for page in shown
        ],
        "qualifications": localized_many(qualifications.distinct(), course.locale),
    }


def _entry_of(context: dict, module) -> dict | None:
    return next((m for m in context["modules"] if m["page"].id == module.id), None)


def module_context(module, request) -> dict:
    course = module.get_parent().specific
    context = _course_outline(course, request.user)
    return {**context, "course": course, "module_entry": _entry_of(context, module)}


def lesson_context(lesson, request) -> dict:
    module = lesson.get_parent().specific
    course = module.get_parent().specific
    context = _course_outline(course, request.user)
    sequence = [
        page
        for m in context["modules"]
        for page in [*(le["page"] for le in m["lessons"]), m["check"]]
        if page
    ]
    position = next((i for i, p in enumerate(sequence) if p.id == lesson.id), None)
    entry = _entry_of(context, module)
    # A locked module's lesson says why, and its body is never rendered for the learner.
    locked = bool(context["enrolled"] and entry and entry["locked"])
    if context["enrolled"] and not locked:
        lesson_viewed.send(sender=LessonPage, learner=request.user, lesson_id=canonical_id(lesson))
    return {
        **context,
        "course": course,
        "module": module,
        "module_entry": entry,
        "lesson_id": canonical_id(lesson),
        "is_done": any(
            item["page"].id == lesson.id and item["done"]
            for item in (entry["lessons"] if entry else [])
        ),
        "locked": locked,
        "lesson_blocks": None if locked else lesson.body,
        "previous_page": sequence[position - 1] if position else None,
        "next_in_course": sequence[position + 1]
        if position is not None and position + 1 < len(sequence)
        else None,
    }


# --- knowledge checks ---------------------------------------------------------------------


def _check_results(check, attempt, reveal: bool) -> list[dict]:
    """An attempt's questions as the page shows them, with its feedback: which choice was the
    learner's, and which are right only when `reveal`."""
    feedback = {item["question"]: item for item in attempt_feedback(check, attempt, reveal)}
    rows = []
    for question in attempt_questions(check, attempt):
        item = feedback[question.id]
        chosen = set(item["chosen"])
        right = set(item.get("correct_choices", []))
        rows.append(
            {
                "id": question.id,
                "text": question.text,
                "multiple": question.multiple,
                "feedback": item,
                "choices": [
                    {
                        "id": c.id,
                        "text": c.text,
                        "was_chosen": c.id in chosen,
                        "is_correct": c.id in right,
                    }
                    for c in question.choices
                ],
            }
        )
    return rows


def knowledge_check_context(check, request) -> dict:
    """The check's description for everyone; its questions only for an enrolled learner whose
    module is open: the attempt in progress (opening an untimed check for the first time starts
    it), or the last attempt's results and feedback, with the right answers once revealed."""
    user = request.user
    module = check.get_parent().specific
    course = module.get_parent().specific
    context = _course_outline(course, user)
    entry = _entry_of(context, module)
    module_open = bool(entry) and context["access"].module_open(entry["id"])
    check_id = canonical_id(check)
    base = {
        **context,
        "course": course,
        "module": module,
        "check_id": check_id,
        "locked": bool(entry and entry["locked"]),
        "module_open": module_open,
        "questions": [],
        "results": [],
        "current": None,
        "last_attempt": None,
        "attempts": [],
        "attempts_left": None,
        "passed": False,
        "reveal": False,
        "can_start": False,
    }
    if not (user.is_authenticated and context["enrolled"]):
        return base
    canonical = check if check_id == check.id else KnowledgeCheckPage.objects.get(id=check_id)
    state = check_state(user, canonical)
    if (
        state.current is None
        and module_open
        and state.may_start
        and not state.attempts
        and not check.time_limit_minutes
    ):
        attempt_start(learner=user, check=canonical)
        state = check_state(user, canonical)
    last = state.last_finished
    reveal = bool(last) and answers_revealed(
        canonical, passed=state.passed, attempts_left=state.attempts_left
    )
    current = state.current
    return {
        **base,
        "current": current,
        "questions": [q.public() for q in attempt_questions(check, current)] if current else [],
        "deadline": current.deadline if current else None,
        "results": _check_results(check, last, reveal) if last and not current else [],
        "last_attempt": last,
        "attempts": state.finished,
        "attempts_left": state.attempts_left,
        "passed": state.passed,
        "reveal": reveal,
        "can_start": module_open and current is None and state.may_start,
    }


# --- qualification and field project ------------------------------------------------------


def qualification_context(qualification, request) -> dict:
    user = request.user
    progress = learner_progress(user)
    required = [p.required for p in qualification.prerequisites.select_related("required")]
    prerequisites = localized_many(required, qualification.locale)
    prerequisite_ids = canonical_ids(prerequisites)
    qualification_id = canonical_id(qualification)
    held: set[int] = set()
    evidence = None
    if user.is_authenticated:
        held = qualifications_held(user, prerequisite_ids.values())
        evidence = (
            EvidenceSubmission.objects.filter(learner=user, qualification_id=qualification_id)
            .order_by("-submitted_at")
            .first()
        )
    prerequisite_rows = [
        {"page": page, "held": prerequisite_ids[page.id] in held} for page in prerequisites
    ]
    return {
        "courses": _qualification_outline(qualification, progress),
        "prerequisite_qualifications": prerequisite_rows,
        "missing_prerequisites": [row["page"] for row in prerequisite_rows if not row["held"]],
        "project": FieldProjectPage.objects.child_of(qualification).live().first(),
        "enrolled": progress.enrolled_in(qualification_id),
        "canonical_id": qualification_id,
        "evidence": evidence,
        "can_submit_evidence": evidence is None
        or evidence.status == EvidenceSubmission.Status.REJECTED,
    }


def _qualification_outline(qualification, progress) -> list[dict]:
    """The qualification's courses (in the page's language) with their ticks."""
    courses = [link.course for link in qualification.required_courses.select_related("course")]
    courses = localized_many(courses, qualification.locale)
    course_ids = canonical_ids(courses)
    return [
        {"page": course, "done": progress.course_complete(course_ids[course.id])}
        for course in courses
    ]


def _result(grade: Grade | None, rubric: list[dict]) -> dict | None:
    """A released grade as the learner reads it first: the overall result, each criterion's
    level and comment (titles in the page's language) and the second marker's decision."""
    if grade is None:
        return None
    criteria = {c["id"]: c for c in rubric}
    rows = []
    for row in grade.breakdown:
        criterion = criteria.get(row["criterion"], {})
        level = next((lv for lv in criterion.get("levels", []) if lv["id"] == row["level"]), {})
        rows.append(
            {
                "title": criterion.get("title", row["title"]),
                "weight": row["weight"],
                "level": level.get("title", row["level_title"]),
                "descriptor": level.get("descriptor", ""),
                "points": row["points"],
                "max_points": row["max_points"],
                "comment": grade.criterion_feedback.get(row["criterion"], ""),
            }
        )
    moderation = (
        GradeChange.objects.filter(
            grade=grade,
            action__in=[
                GradeChange.Action.MODERATION_AGREED,
                GradeChange.Action.MODERATION_ADJUSTED,
            ],
        )
        .select_related("actor")
        .order_by("-revision", "-id")
        .first()
    )
    return {"grade": grade, "criteria": rows, "moderation": moderation}


def _team_context(user, canonical, project, submission) -> dict:
    members = team_members(user, canonical)
    invitations = invitations_of(user, canonical)
    joined = members and members[0].id != user.id and submission is None
    room = project.max_team_size - len(members) - len(invitations["sent"])
    return {
        "team_members": members,
        "invitations_received": invitations["received"],
        "invitations_sent": invitations["sent"],
        "can_invite": project.max_team_size > 1
        and not joined
        and room > 0
        and (submission is None or submission.status != Submission.Status.GRADED),
    }


def field_project_context(project, request) -> dict:
    """The project page: the result first when graded, the report editor, versions and the
    team. `project` is the page in the visitor's language; records use the default-language one."""
    user = request.user
    project_id = canonical_id(project)
    canonical = project if project_id == project.id else FieldProjectPage.objects.get(id=project_id)
    outline = get_outline()
    progress = learner_progress(user)
    enrolled = progress.enrolled_in(outline.project_qualification.get(project_id, -1))
    qualification = project.get_parent().specific
    rubric = rubric_of(project)
    sections = sections_of(project)
    context = {
        "qualification": qualification,
        "qualification_outline": _qualification_outline(qualification, progress),
        "rubric": rubric,
        "report_sections": sections,
        "enrolled": enrolled,
        "submission": None,
        "versions": [],
        "result": None,
        "status": "",
        "deadline": None,
        "revision_due": None,
        "can_submit": False,
        "team_members": [],
        "max_report_chars": MAX_REPORT_CHARS,
    }
    if not user.is_authenticated:
        return context
    submission = submission_of(user, canonical)
    versions = []
    if submission is not None:
        versions = [
            {
                "version": version,
                "sections": version_sections(version, sections),
                "returns": list(version.revision_requests.all()),
            }
            for version in submission.versions.prefetch_related(
                "files", "revision_requests"
            ).order_by("-number")
        ]
        grade = Grade.objects.filter(
            submission=submission, learner=user, status=Grade.Status.RELEASED
        ).first()
        context["result"] = _result(grade, rubric)
        context["status"] = status_for_learner(submission, user)
        if submission.status == Submission.Status.RETURNED:
            context["revision_due"] = revision_due(submission)
    can_submit = enrolled and (submission is None or submission.status != "graded")
    if can_submit:
        draft = draft_of(user, canonical)
        context["draft"] = draft
        context["editor_sections"] = draft_sections(draft, sections)
    context.update(
        {
            "submission": submission,
            "versions": versions,
            "deadline": submission_deadline(user, canonical),
            "can_submit": can_submit,
            **(_team_context(user, canonical, project, submission) if enrolled else {}),
        }
    )
    return context
