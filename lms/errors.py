"""Exceptions shared by the apps' rules and turned into HTTP responses by views and the API."""


class Conflict(Exception):
    """The action conflicts with the current state (HTTP 409). `detail` may carry that state."""

    def __init__(self, message: str, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
