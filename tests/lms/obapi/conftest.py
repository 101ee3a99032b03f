"""The Open Badges API's tests use the certificates tests' module-scoped issued certificate."""

from tests.certificates.conftest import (  # noqa: F401  (fixtures)
    _holder,
    _issuer_keys,
    _key_dir,
    _module_keys,
    _other,
    issued,
    other_issued,
)
