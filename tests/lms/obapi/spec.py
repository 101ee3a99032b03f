"""Responses of the Open Badges API checked against the specification's OpenAPI document (the
copy kept unchanged in lms/obapi/openapi/, see its README for where it comes from)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from lms.obapi.discovery import OPENAPI_FILE

SPEC = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
_ROOT = "urn:ob-v3p0-openapi"
_REGISTRY = Registry().with_resource(_ROOT, Resource(contents=SPEC, specification=DRAFT4))
PREFIX = "/ims/ob/v3p0"


# The document at that commit still describes the credential of the Verifiable Credentials Data
# Model 1.1 (`issuanceDate` required, `proof` an array), while Open Badges 3.0.3 credentials are
# VC 2.0 ones: `validFrom` instead of `issuanceDate` (the VC 2.0 context does not define
# issuanceDate, so adding it would break the signature) and one proof object (JSON-LD's single
# value, equal to an array of one). Exactly these two differences are allowed, nothing else.
VC2_DIFFERENCES = (
    re.compile(r"^credential/\d+: 'issuanceDate' is a required property$"),
    re.compile(
        r"^credential/\d+/proof: \{.*'type': 'DataIntegrityProof'.*\} is not of type 'array'$"
    ),
)


def schema_errors(instance, schema: dict) -> list[str]:
    if "$ref" in schema:
        schema = {"$ref": _ROOT + schema["$ref"]}
    validator = Draft4Validator(schema, registry=_REGISTRY)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def assert_schema(instance, name: str) -> None:
    errors = schema_errors(instance, {"$ref": f"#/components/schemas/{name}"})
    assert not errors, errors


def assert_matches_spec(response, method: str | None = None, path: str | None = None) -> None:
    """The response is one the OpenAPI document defines for this operation: its status is listed
    (or 'default'), its JSON body matches the schema, and the headers it declares are present."""
    request = response.wsgi_request if hasattr(response, "wsgi_request") else None
    method = (method or request.method).lower()
    path = path or urlsplit(request.path).path
    assert path.startswith(PREFIX), path
    operation = SPEC["paths"][path.removeprefix(PREFIX)][method]
    status = str(response.status_code)
    described = operation["responses"].get(status) or operation["responses"]["default"]
    for header in described.get("headers", {}):
        assert header in response.headers, f"{header} missing from the {status} response"
    content = described.get("content")
    if response.status_code == 304:
        assert response.content == b""
        return
    assert content, f"{method.upper()} {path} {status} has no body in the specification"
    assert response["Content-Type"].startswith("application/json")
    errors = schema_errors(json.loads(response.content), content["application/json"]["schema"])
    errors = [e for e in errors if not any(known.match(e) for known in VC2_DIFFERENCES)]
    assert not errors, errors
