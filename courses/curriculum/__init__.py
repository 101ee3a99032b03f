"""The seeded curriculum: content files in courses/content/ and the loader that builds pages."""
