"""JSON-LD for credentials, with the contexts served from local copies: nothing is fetched.

Signing and verifying canonicalise a credential with RDF Dataset Canonicalization (URDNA2015,
i.e. RDFC-1.0). That needs the JSON-LD contexts; they are read from certificates/contexts/, so
signing and verification work offline and cannot be steered by a remote document.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from pyld import jsonld

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
}


class CredentialError(ValueError):
    """A credential cannot be signed or verified as it is; the message says why."""


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    if url not in CONTEXT_FILES:
        raise CredentialError(
            f"Refusing to load the remote JSON-LD document {url!r}; only local contexts are used."
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _context(url),
    }


def _options(**extra) -> dict:
    return {"documentLoader": document_loader, **extra}


def expand(document: dict) -> list:
    try:
        return jsonld.expand(document, _options())
    except jsonld.JsonLdError as exc:
        raise CredentialError(f"The credential is not valid JSON-LD: {exc}") from exc


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads. URDNA2015 is named explicitly: PyLD's default is the older
    URGNA2012, which gives different output."""
    try:
        return jsonld.normalize(
            document, _options(algorithm="URDNA2015", format="application/n-quads")
        )
    except jsonld.JsonLdError as exc:
        raise CredentialError(f"The credential cannot be canonicalised: {exc}") from exc


_UNDEFINED = "urn:cma:undefined-term#"
_UNDEFINED_TERM = re.compile(re.escape(_UNDEFINED) + r"([^\"]+)")


def undefined_terms(document: dict) -> list[str]:
    """Properties the document's contexts do not define (which expansion would drop).

    VC 2.0 has no @vocab, so an undefined property silently vanishes from the expanded form and
    from what a signature covers. Expanding once more with a catch-all @vocab appended turns each
    such property into a marker IRI instead, which names it.
    """
    contexts = document.get("@context", [])
    probe = {
        **document,
        "@context": [
            *(contexts if isinstance(contexts, list) else [contexts]),
            {"@vocab": _UNDEFINED},
        ],
    }
    expanded = json.dumps(expand(probe))
    return sorted(set(_UNDEFINED_TERM.findall(expanded)))


def assert_fully_defined(document: dict) -> None:
    """Raise CredentialError naming any property the credential's contexts do not define."""
    missing = undefined_terms(document)
    if missing:
        raise CredentialError(
            "These properties are not defined by the credential's contexts and would not be signed: "
            + ", ".join(missing)
        )
