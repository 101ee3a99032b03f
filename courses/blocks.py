"""StreamField blocks for course content, shared by every page type that has a body."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "blockquote"]


class KeyFactBlock(blocks.StructBlock):
    figure = blocks.CharBlock(label=_("figure"), max_length=40, help_text=_("e.g. '15' or '€40m'"))
    label = blocks.CharBlock(label=_("label"), max_length=200)


class KeyFactsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=120)
    facts = blocks.ListBlock(KeyFactBlock(), min_num=1, max_num=8)

    class Meta:
        icon = "pick"
        label = _("Key facts")
        template = "blocks/key_facts.html"


class CaseStudyBlock(blocks.StructBlock):
    organisation = blocks.CharBlock(label=_("organisation"), max_length=200)
    region = blocks.CharBlock(label=_("region"), max_length=120)
    what_they_did = blocks.RichTextBlock(label=_("what they did"), features=RICH_TEXT_FEATURES)
    result = blocks.RichTextBlock(label=_("result"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "site"
        label = _("Case study")
        template = "blocks/case_study.html"


class ComparisonTableBlock(TableBlock):
    """A table with a caption (set in the table editor) and a header row."""

    class Meta:
        icon = "table"
        label = _("Comparison table")
        template = "blocks/comparison_table.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quotation"))
    attribution = blocks.CharBlock(label=_("attribution"), max_length=200)
    source_url = blocks.URLBlock(label=_("source URL"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "blocks/quote.html"


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        max_length=250,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("video URL"), help_text=_("A YouTube or Vimeo link."))
    title = blocks.CharBlock(label=_("title"), max_length=200)
    transcript = blocks.TextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Embedded video")
        template = "blocks/video.html"


class DocumentDownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "blocks/document.html"


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.TextBlock(label=_("citation"))
    url = blocks.URLBlock(label=_("URL"), required=False)
    note = blocks.TextBlock(
        label=_("note"),
        required=False,
        help_text=_("What the source is or what it supports, in the page's language."),
    )


class ReferencesBlock(blocks.StructBlock):
    references = blocks.ListBlock(ReferenceBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("References")
        template = "blocks/references.html"


class BaseStreamBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        label=_("Rich text"), features=RICH_TEXT_FEATURES, template="blocks/rich_text.html"
    )
    key_facts = KeyFactsBlock()
    case_study = CaseStudyBlock()
    comparison_table = ComparisonTableBlock()
    quote = QuoteBlock()
    image = CaptionedImageBlock()
    video = VideoBlock()
    document = DocumentDownloadBlock()
    references = ReferencesBlock()


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("choice"), max_length=500)
    correct = blocks.BooleanBlock(label=_("correct"), required=False)
    feedback = blocks.TextBlock(
        label=_("feedback"),
        required=False,
        help_text=_(
            "Shown to a learner who chose this option, before the answers are revealed: why it "
            "is right or wrong. A wrong option's feedback never names the right one."
        ),
    )


class QuestionBlock(blocks.StructBlock):
    """One knowledge-check question. The template never renders `correct`; grading is server-side."""

    text = blocks.TextBlock(label=_("question"))
    scenario = blocks.BooleanBlock(
        label=_("scenario"),
        required=False,
        help_text=_("Tick when the learner applies an idea to a described situation."),
    )
    multiple = blocks.BooleanBlock(
        label=_("several answers"),
        required=False,
        help_text=_("Tick when more than one choice is correct (learners tick boxes)."),
    )
    choices = blocks.ListBlock(ChoiceBlock(), min_num=2, max_num=8)
    explanation = blocks.TextBlock(
        label=_("explanation"),
        help_text=_(
            "The full reasoning, naming the right answer: shown once the answers are revealed."
        ),
    )

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for choice in value["choices"] if choice["correct"])
        if correct == 0:
            raise StructBlockValidationError(
                block_errors={"choices": ValidationError(_("Mark at least one choice as correct."))}
            )
        if correct > 1 and not value["multiple"]:
            raise StructBlockValidationError(
                block_errors={
                    "multiple": ValidationError(
                        _("Several choices are marked correct: tick 'several answers'.")
                    )
                }
            )
        return value


class KnowledgeCheckStreamBlock(blocks.StreamBlock):
    question = QuestionBlock()

    class Meta:
        min_num = 1
        max_num = 40


class RubricLevelBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("level"), max_length=80, help_text=_("e.g. Emerging"))
    points = blocks.IntegerBlock(label=_("points"), min_value=0)
    descriptor = blocks.TextBlock(label=_("descriptor"))


class RubricCriterionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("criterion"), max_length=120)
    description = blocks.TextBlock(label=_("what is assessed"), required=False)
    weight = blocks.DecimalBlock(label=_("weight"), min_value=0, default=1, decimal_places=2)
    levels = blocks.ListBlock(
        RubricLevelBlock(),
        min_num=2,
        max_num=6,
        help_text=_("From the lowest level to the highest."),
    )

    class Meta:
        icon = "tasks"
        label = _("Criterion")

    def clean(self, value):
        value = super().clean(value)
        points = [level["points"] for level in value["levels"]]
        if points != sorted(points) or len(set(points)) != len(points):
            raise StructBlockValidationError(
                block_errors={
                    "levels": ValidationError(
                        _(
                            "Order levels from lowest to highest, each worth more points than the last."
                        )
                    )
                }
            )
        return value


class RubricStreamBlock(blocks.StreamBlock):
    criterion = RubricCriterionBlock()

    class Meta:
        min_num = 1
        max_num = 12


class ReportSectionBlock(blocks.StructBlock):
    """One deliverable of a field project's report: the learner writes it in its own box."""

    title = blocks.CharBlock(label=_("section title"), max_length=120)
    guidance = blocks.TextBlock(
        label=_("guidance"),
        required=False,
        help_text=_("What the section should cover; shown above the learner's box."),
    )
    word_limit = blocks.IntegerBlock(
        label=_("word limit"),
        required=False,
        min_value=1,
        max_value=20000,
        help_text=_("Leave empty for no limit. Chinese characters count as one word each."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Report section")


class ReportSectionStreamBlock(blocks.StreamBlock):
    section = ReportSectionBlock()

    class Meta:
        max_num = 12
