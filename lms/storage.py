"""Where files that no one may fetch by URL are kept: views check who asks, then stream them."""

from django.core.files.storage import storages


def private_storage():
    """The `private` storage of settings.STORAGES (a callable, so tests and deployments can
    change the setting without models holding on to an old storage)."""
    return storages["private"]
