"""Wagtail page types of the curriculum and the rules for how they nest.

Catalog → Qualification → Field project
        → Course → Module → Lesson, Knowledge check
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from courses.blocks import (
    RICH_TEXT_FEATURES,
    BaseStreamBlock,
    KnowledgeCheckStreamBlock,
    ReportSectionStreamBlock,
    RubricStreamBlock,
)
from lms.graphics import validate_certificate_graphic, validate_hex_colour


class Region(models.TextChoices):
    GLOBAL = "global", _("Global")
    EU = "eu", _("European Union")
    DE = "de", _("Germany")
    US = "us", _("United States")
    JP = "jp", _("Japan")


@register_snippet
class Topic(TranslatableMixin, models.Model):
    """A subject a course covers, for filtering the catalog. Same slug in every language."""

    slug = models.SlugField(_("slug"), max_length=60)
    name = models.CharField(_("name"), max_length=80)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("topic")
        ordering = ["name"]
        unique_together = [("translation_key", "locale"), ("slug", "locale")]

    def __str__(self) -> str:
        return self.name


class ContextFromFunction:
    """A page whose template context comes from a function of (page, request), named by its
    dotted path in `context_function` (the functions live in courses.page_contexts, which reads
    these models: naming it by path keeps the dependency one way)."""

    context_function = ""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(import_string(self.context_function)(self, request))
        return context


class CatalogPage(ContextFromFunction, Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.QualificationPage", "courses.CoursePage"]
    template = "courses/catalog_page.html"
    context_function = "courses.page_contexts.catalog_context"

    class Meta:
        verbose_name = _("catalog")


class QualificationCourse(Orderable):
    qualification = ParentalKey(
        "courses.QualificationPage", on_delete=models.CASCADE, related_name="required_courses"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )

    panels = [FieldPanel("course")]


class QualificationPrerequisite(Orderable):
    qualification = ParentalKey(
        "courses.QualificationPage", on_delete=models.CASCADE, related_name="prerequisites"
    )
    required = models.ForeignKey(
        "courses.QualificationPage",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("qualification held first"),
    )

    panels = [FieldPanel("required")]


CERTIFICATE_GRAPHIC_HELP = _("An SVG drawing or a PNG image, at most 1 MB.")


class QualificationSignatory(Orderable):
    """Someone whose name, title and signature are printed on the qualification's certificates."""

    qualification = ParentalKey(
        "courses.QualificationPage",
        on_delete=models.CASCADE,
        related_name="certificate_signatories",
    )
    name = models.CharField(_("name"), max_length=80)
    title = models.CharField(
        _("title"), max_length=100, help_text=_("e.g. Director of Studies, Chair of the Board")
    )
    signature = models.FileField(
        _("signature"),
        upload_to="certificate-design/signatures/",
        blank=True,
        validators=[validate_certificate_graphic],
        help_text=_(
            "An SVG drawing or a PNG image with a transparent background, at most 1 MB. Without "
            "one, the name stands on the signature line."
        ),
    )

    panels = [FieldPanel("name"), FieldPanel("title"), FieldPanel("signature")]

    class Meta(Orderable.Meta):
        verbose_name = _("signatory")


class AlignmentTargetType(models.TextChoices):
    COMPETENCY = "ceasn:Competency", _("Competency (CTDL-ASN)")
    CREDENTIAL = "ceterms:Credential", _("Credential (CTDL)")
    CF_ITEM = "CFItem", _("CASE framework item")
    CF_RUBRIC = "CFRubric", _("CASE rubric")
    CF_RUBRIC_CRITERION = "CFRubricCriterion", _("CASE rubric criterion")
    CF_RUBRIC_CRITERION_LEVEL = "CFRubricCriterionLevel", _("CASE rubric criterion level")
    CTDL = "CTDL", _("CTDL node")


class QualificationAlignment(Orderable):
    """A competence framework entry the qualification aligns to (Open Badges `alignment`)."""

    qualification = ParentalKey(
        "courses.QualificationPage", on_delete=models.CASCADE, related_name="alignments"
    )
    target_name = models.CharField(
        _("name"), max_length=200, help_text=_("e.g. Cluster management: strategy development")
    )
    target_url = models.URLField(
        _("URL"), max_length=500, help_text=_("The framework entry's official web page.")
    )
    target_framework = models.CharField(
        _("framework"), max_length=200, blank=True, help_text=_("e.g. ESCO, ECEI quality label")
    )
    target_code = models.CharField(
        _("code in the framework"), max_length=100, blank=True, help_text=_("e.g. S1.2.3")
    )
    target_type = models.CharField(
        _("kind of entry"), max_length=40, blank=True, choices=AlignmentTargetType.choices
    )
    target_description = models.CharField(_("description"), max_length=300, blank=True)

    panels = [
        FieldPanel("target_name"),
        FieldPanel("target_url"),
        FieldPanel("target_framework"),
        FieldPanel("target_code"),
        FieldPanel("target_type"),
        FieldPanel("target_description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("alignment")


class QualificationPage(ContextFromFunction, Page):
    summary = models.TextField(_("summary"), max_length=500)
    certifies = RichTextField(_("what it certifies"), features=RICH_TEXT_FEATURES)
    pass_rules = RichTextField(_("pass rules"), features=RICH_TEXT_FEATURES)
    requires_moderation = models.BooleanField(
        _("grades need a second marker"),
        default=True,
        help_text=_("Field-project grades are released only after a second instructor agrees."),
    )
    validity_months = models.PositiveIntegerField(
        _("certificate validity (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    certificate_title = models.CharField(_("title on the certificate"), max_length=120)
    certificate_statement = models.TextField(
        _("certificate wording"),
        max_length=400,
        help_text=_("The sentence under the holder's name, e.g. 'has met every requirement of…'."),
    )
    criteria_narrative = models.TextField(
        _("criteria narrative"),
        help_text=_("What a holder did to earn it; goes into the signed credential."),
    )
    evidence_required = models.BooleanField(
        _("extra evidence reviewed by staff"),
        default=False,
        help_text=_(
            "e.g. proof of having delivered the training, for an instructor qualification."
        ),
    )
    evidence_instructions = RichTextField(
        _("evidence instructions"), blank=True, features=RICH_TEXT_FEATURES
    )
    human_code = models.CharField(
        _("qualification code"),
        max_length=40,
        blank=True,
        help_text=_("A short code printed on the certificate and signed into it, e.g. CMA-CCM."),
    )
    certificate_logo = models.FileField(
        _("issuing body's logo"),
        upload_to="certificate-design/",
        blank=True,
        validators=[validate_certificate_graphic],
        help_text=CERTIFICATE_GRAPHIC_HELP
        + " "
        + _("Printed at the top. Without one, the academy's name is set there in capitals."),
    )
    certificate_seal = models.FileField(
        _("seal"),
        upload_to="certificate-design/",
        blank=True,
        validators=[validate_certificate_graphic],
        help_text=CERTIFICATE_GRAPHIC_HELP
        + " "
        + _(
            "Printed beside the signatures and used as the badge image of the signed credential. "
            "Without one, a seal is drawn from the academy's name and the colours below."
        ),
    )
    certificate_accent = models.CharField(
        _("main colour"),
        max_length=7,
        blank=True,
        validators=[validate_hex_colour],
        help_text=_("Frame, title and seal, e.g. #0B4F8A. Empty: the academy's navy."),
    )
    certificate_accent_secondary = models.CharField(
        _("second colour"),
        max_length=7,
        blank=True,
        validators=[validate_hex_colour],
        help_text=_("Rules, ornaments and the result, e.g. #9A7B2F. Empty: the academy's gold."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("certifies"),
        InlinePanel("required_courses", label=_("Required courses")),
        InlinePanel("prerequisites", label=_("Qualifications held first")),
        FieldPanel("pass_rules"),
        MultiFieldPanel(
            [FieldPanel("evidence_required"), FieldPanel("evidence_instructions")],
            heading=_("Extra evidence"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("requires_moderation"),
                FieldPanel("validity_months"),
                FieldPanel("certificate_title"),
                FieldPanel("certificate_statement"),
                FieldPanel("criteria_narrative"),
            ],
            heading=_("Grading and certificate"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("human_code"),
                FieldPanel("certificate_logo"),
                FieldPanel("certificate_seal"),
                FieldPanel("certificate_accent"),
                FieldPanel("certificate_accent_secondary"),
            ],
            heading=_("Certificate design"),
            classname="collapsed",
        ),
        InlinePanel(
            "certificate_signatories",
            label=_("Signatories on the certificate"),
            max_num=3,
            help_text=_("Up to three, printed left to right."),
        ),
        InlinePanel(
            "alignments",
            label=_("Competence frameworks it aligns to"),
            help_text=_("Signed into the credential so that employers' systems can match it."),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("certifies"),
    ]
    parent_page_types = ["courses.CatalogPage"]
    subpage_types = ["courses.FieldProjectPage"]
    template = "courses/qualification_page.html"
    context_function = "courses.page_contexts.qualification_context"

    class Meta:
        verbose_name = _("qualification")

    @cached_property
    def field_project(self):
        return FieldProjectPage.objects.child_of(self).live().first()


class CoursePrerequisite(Orderable):
    course = ParentalKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="prerequisites"
    )
    required = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("course completed first"),
    )

    panels = [FieldPanel("required")]


class CoursePage(ContextFromFunction, Page):
    summary = models.TextField(_("summary"), max_length=500)
    overview = RichTextField(_("overview"), features=RICH_TEXT_FEATURES)
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("outcome"), max_length=300))],
        blank=True,
        verbose_name=_("learning outcomes"),
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=5, decimal_places=1, default=4
    )
    region = models.CharField(_("region"), max_length=10, choices=Region.choices)
    topics = ParentalManyToManyField(Topic, blank=True, verbose_name=_("topics"))
    sequential_modules = models.BooleanField(
        _("modules unlock in order"),
        default=False,
        help_text=_("Each module opens once the one before it is complete."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("overview"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_hours"),
                FieldPanel("region"),
                FieldPanel("topics"),
                FieldPanel("sequential_modules"),
            ],
            heading=_("Course facts"),
        ),
        InlinePanel("prerequisites", label=_("Courses completed first")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("overview"),
    ]
    parent_page_types = ["courses.CatalogPage"]
    subpage_types = ["courses.ModulePage"]
    template = "courses/course_page.html"
    context_function = "courses.page_contexts.course_context"

    class Meta:
        verbose_name = _("course")


class ModulePage(ContextFromFunction, Page):
    summary = models.TextField(_("summary"), max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage", "courses.KnowledgeCheckPage"]
    template = "courses/module_page.html"
    context_function = "courses.page_contexts.module_context"

    class Meta:
        verbose_name = _("module")


class LessonPage(ContextFromFunction, Page):
    summary = models.TextField(_("summary"), max_length=500)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=20)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    template = "courses/lesson_page.html"
    context_function = "courses.page_contexts.lesson_context"

    class Meta:
        verbose_name = _("lesson")


class RevealAnswers(models.TextChoices):
    """When a learner may see which options are right."""

    PASSED_OR_LAST = "passed_or_last", _("When passed, or when no attempts are left")
    NEVER = "never", _("Never")


class KnowledgeCheckPage(ContextFromFunction, Page):
    intro = models.TextField(_("introduction"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("0 means no limit.")
    )
    draw = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        default=0,
        validators=[MaxValueValidator(40)],
        help_text=_(
            "How many questions each attempt draws from the bank below; 0 asks every question. "
            "A bank of at least twice this many gives a retake mostly new questions."
        ),
    )
    reveal_answers = models.CharField(
        _("show the right answers"),
        max_length=20,
        choices=RevealAnswers.choices,
        default=RevealAnswers.PASSED_OR_LAST,
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Leave empty for no time limit. The server refuses answers that come late."),
    )
    questions = StreamField(KnowledgeCheckStreamBlock(), verbose_name=_("question bank"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("draw"),
                FieldPanel("reveal_answers"),
                FieldPanel("time_limit_minutes"),
            ],
            heading=_("Rules"),
        ),
        FieldPanel("questions"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "courses/knowledge_check_page.html"
    context_function = "courses.page_contexts.knowledge_check_context"

    class Meta:
        verbose_name = _("knowledge check")

    def clean(self):
        super().clean()
        bank = len(self.questions)
        if self.draw and bank < self.draw:
            raise ValidationError(
                {
                    "draw": _(
                        "The bank holds %(bank)s questions: draw at most that many, or add "
                        "questions."
                    )
                    % {"bank": bank}
                }
            )


class FieldProjectPage(ContextFromFunction, Page):
    summary = models.TextField(_("summary"), max_length=500)
    brief = RichTextField(_("brief"), features=RICH_TEXT_FEATURES)
    deliverables = RichTextField(_("deliverables"), features=RICH_TEXT_FEATURES)
    deadline_days = models.PositiveIntegerField(
        _("days to submit"),
        default=120,
        help_text=_("Counted from enrolment, unless the learner's cohort sets a deadline."),
    )
    max_team_size = models.PositiveSmallIntegerField(
        _("largest team"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 means learners work alone; up to 3 may share one submission."),
    )
    anonymous_grading = models.BooleanField(
        _("anonymous grading"),
        default=False,
        help_text=_("Graders see no learner names until grades are released."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (weighted %)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    distinction_mark = models.PositiveSmallIntegerField(
        _("distinction mark (weighted %)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    minimum_level = models.PositiveSmallIntegerField(
        _("lowest level allowed"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_("Every criterion must reach at least this level (1 = the lowest) to pass."),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("course it concludes"),
        help_text=_("Instructors of this course also grade the project."),
    )
    rubric = StreamField(RubricStreamBlock(), verbose_name=_("rubric"))
    report_sections = StreamField(
        ReportSectionStreamBlock(),
        blank=True,
        verbose_name=_("report sections"),
        help_text=_(
            "One section per deliverable: learners write each in its own box, with a word count "
            "against its limit. Without sections the report is one box."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("brief"),
        FieldPanel("deliverables"),
        FieldPanel("report_sections"),
        MultiFieldPanel(
            [
                FieldPanel("deadline_days"),
                FieldPanel("max_team_size"),
                FieldPanel("anonymous_grading"),
                FieldPanel("course"),
            ],
            heading=_("Rules"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("distinction_mark"),
                FieldPanel("minimum_level"),
                FieldPanel("rubric"),
            ],
            heading=_("Rubric"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("brief")]
    parent_page_types = ["courses.QualificationPage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "courses/field_project_page.html"
    context_function = "courses.page_contexts.field_project_context"

    class Meta:
        verbose_name = _("field project")
