"""Web views of the courses app: learning actions and grading. Pages themselves are Wagtail's."""
