"""What the curriculum loader last wrote to each page, so that it can tell author edits apart."""

from django.db import models


class SeededPage(models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    source_hash = models.CharField(max_length=64)
    revision_id = models.PositiveBigIntegerField(
        help_text="The revision the loader created; a later one is an author's edit."
    )
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Seeded page {self.page_id}"
