"""JSON-LD for credentials, offline: the two contexts are served from local copies.

Signing and verifying canonicalise a credential with RDF Dataset Canonicalization (RDFC-1.0,
PyLD's "URDNA2015"). That needs the W3C VC 2.0 and Open Badges 3.0.3 contexts; they are read from
certificates/contexts/ and every other URL is refused, so nothing is fetched at sign or verify
time and no remote document can change what a signature means.

A signature covers the RDF statements, not the JSON. Whatever JSON-LD leaves out of the RDF (a
property the contexts do not define, a null, a relative IRI, an @direction...) is silently
unsigned, so `assert_fully_defined` refuses such documents before they are signed or trusted.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.jsonld import RESOLVED_CONTEXT_CACHE_MAX_SIZE

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The @context of every Open Badge we issue, in this order.
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CONTEXT_FILES = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-v3p0-context-3.0.3.json",
}


class CredentialError(ValueError):
    """A credential cannot be signed or trusted as it is; the message says why."""


@cache
def _context_document(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """PyLD document loader that only knows the two local contexts."""
    if not isinstance(url, str) or url not in CONTEXT_FILES:
        raise CredentialError(
            f"Refusing to load the JSON-LD document {url!r}: only the W3C VC 2.0 and "
            "Open Badges 3.0.3 contexts are available (from local copies); nothing is fetched."
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # PyLD keeps a resolved remote context between calls only when its document carries a
        # tag, and looks for "static". Without it both contexts were resolved and processed again
        # on every expand and canonicalisation: signing took 8.0 ms instead of 4.3 ms.
        "tag": "static",
        # A copy, so that nothing PyLD does to the document can alter the cached context.
        "document": copy.deepcopy(_context_document(url)),
    }


def _credential_error(exc: Exception, doing: str) -> CredentialError:
    """Turn a PyLD error into a CredentialError, surfacing our own refusal if it caused it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, CredentialError):
            return CredentialError(str(cause))
        seen.add(id(cause))
        # PyLD 3 chains exceptions; PyLD 2 keeps the cause in a `cause` attribute.
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "cause", None)
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    return CredentialError(f"The credential {doing}: {message}")


# PyLD keeps a module-level cache of processed contexts (an LRU cache) that is not safe to use
# from several threads at once. Each thread gets a resolver with a cache of its own instead of a
# process-wide lock: a lock held across one slow verification made every other request wait.
_THREAD = threading.local()
# Canonicalisation (RDFC-1.0, pure Python) of a credential we issued takes milliseconds; the size
# limits (certificates.credential_limits) keep hostile ones small, and this bounds what is left.
CANONICALIZE_SECONDS = 5.0


def _options(**extra) -> dict:
    resolver = getattr(_THREAD, "resolver", None)
    if resolver is None:
        resolver = _THREAD.resolver = ContextResolver(
            LRUCache(maxsize=RESOLVED_CONTEXT_CACHE_MAX_SIZE), document_loader
        )
    return {"documentLoader": document_loader, "contextResolver": resolver, **extra}


def expand(document: dict) -> list:
    """The expanded form of `document`.

    Relative IRIs are left relative (base None), as JSON-LD specifies when there is no document
    URL; PyLD 3 would otherwise resolve them against http://example.org/base/, which no other
    processor does.
    """
    try:
        return jsonld.expand(document, _options(base=None))
    except jsonld.JsonLdError as exc:
        raise _credential_error(exc, "is not valid JSON-LD") from exc


class _BoundedURDNA2015(URDNA2015):
    """PyLD's RDFC-1.0 (URDNA2015) that gives up once `deadline` (time.monotonic()) has passed:
    the hashing steps are where a hostile graph (many alike blank nodes) spends its time."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def _in_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise CredentialError(
                "The credential is too complex to canonicalise in time: refused unchecked."
            )

    def hash_first_degree_quads(self, id_):
        self._in_time()
        return super().hash_first_degree_quads(id_)

    def hash_n_degree_quads(self, id_, issuer):
        self._in_time()
        return super().hash_n_degree_quads(id_, issuer)


def canonicalize(document: dict, seconds: float | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of `document`, within `seconds` (CANONICALIZE_SECONDS).

    URDNA2015 is named explicitly: PyLD's default is the older URGNA2012, whose output differs.
    This is what jsonld.normalize does for it (to RDF, then URDNA2015), with a deadline.
    """
    deadline = time.monotonic() + (CANONICALIZE_SECONDS if seconds is None else seconds)
    try:
        dataset = jsonld.to_rdf(
            document,
            _options(
                base="",
                extractAllScripts=True,
                processingMode="json-ld-1.1",
                produceGeneralizedRdf=False,
            ),
        )
        return _BoundedURDNA2015(deadline).main(dataset, {"format": "application/n-quads"})
    except jsonld.JsonLdError as exc:
        raise _credential_error(exc, "cannot be canonicalised") from exc


# Appended as a catch-all @vocab, this turns every term the real contexts leave undefined (which
# expansion would drop without a word: VC 2.0 has no @vocab) into an IRI that names it.
_PROBE_VOCAB = "urn:cma:undefined-term:"

_KEYWORDS = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
# An IRI that can appear in N-Quads: a scheme, and none of the characters IRIREF excludes.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")
_BLANK_NODE = re.compile(r"_:[^\x00-\x20<>\"{}|^`\\]+")


def _with_probe(document: dict) -> dict:
    contexts = document.get("@context")
    if contexts is None:
        contexts = []
    elif not isinstance(contexts, list):
        contexts = [contexts]
    if any(isinstance(c, dict) and c.get("@vocab") for c in contexts):
        return document  # the document has a vocabulary of its own: every term maps to an IRI
    return {**document, "@context": [*contexts, {"@vocab": _PROBE_VOCAB}]}


def _compact_gaps(node: Any, path: str, gaps: list[str]) -> None:
    """What expansion drops that the probe cannot name: nulls and keyword-like keys."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            here = f"{path}.{key}"
            if value is None:
                gaps.append(f"{here} is null (JSON-LD drops null values)")
            elif isinstance(key, str) and key.startswith("@") and key not in _KEYWORDS:
                gaps.append(f"{here} is not a JSON-LD keyword and is ignored")
            _compact_gaps(value, here, gaps)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if item is None:
                gaps.append(f"{path}[{index}] is null (JSON-LD drops null values)")
            _compact_gaps(item, f"{path}[{index}]", gaps)


class _ExpandedGaps:
    def __init__(self) -> None:
        self.properties: set[str] = set()
        self.types: set[str] = set()
        self.iris: set[str] = set()
        self.keywords: set[str] = set()

    def walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self.walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key.startswith(_PROBE_VOCAB):
                self.properties.add(key.removeprefix(_PROBE_VOCAB))
            elif key.startswith("_:"):
                self.iris.add(key)  # RDF has no blank-node predicates; toRdf skips them
            if key == "@id":
                self._identifier(value)
            elif key == "@type":
                for item in value if isinstance(value, list) else [value]:
                    self._type(item)
            elif key in ("@direction", "@index"):
                # Neither becomes part of the RDF (PyLD's default rdfDirection is None).
                self.keywords.add(key)
            elif key != "@value":  # an @value is a literal, even an @json one
                self.walk(value)

    def _identifier(self, value: Any) -> None:
        if isinstance(value, str) and value.startswith(_PROBE_VOCAB):
            # Only an "@type": "@vocab" property expands a value through @vocab: an undefined term.
            self.types.add(value.removeprefix(_PROBE_VOCAB))
        elif not isinstance(value, str) or not (
            _ABSOLUTE_IRI.fullmatch(value) or _BLANK_NODE.fullmatch(value)
        ):
            self.iris.add(str(value))

    def _type(self, value: Any) -> None:
        if isinstance(value, str) and value.startswith(_PROBE_VOCAB):
            self.types.add(value.removeprefix(_PROBE_VOCAB))
        elif value != "@json":
            self._identifier(value)


def unsigned_parts(document: dict) -> list[str]:
    """What a signature over `document` would silently leave out, one sentence each.

    Limit: a scoped "@context": null (VC 2.0 only uses one, in VerifiablePresentation) also
    clears the probe vocabulary; nothing signed here is a presentation.
    """
    gaps: list[str] = []
    _compact_gaps(document, "$", gaps)
    found = _ExpandedGaps()
    found.walk(expand(_with_probe(document)))
    if found.properties:
        gaps.insert(
            0,
            "These properties are not defined by the credential's contexts and would not be "
            "signed: " + ", ".join(repr(name) for name in sorted(found.properties)),
        )
    if found.types:
        gaps.append(
            "These types or values are not defined by the credential's contexts: "
            + ", ".join(repr(name) for name in sorted(found.types))
        )
    if found.iris:
        gaps.append(
            "These identifiers are not absolute IRIs, so the statements about them would not be "
            "signed: " + ", ".join(repr(iri) for iri in sorted(found.iris))
        )
    if found.keywords:
        gaps.append(
            "These keywords are not part of what is signed: " + ", ".join(sorted(found.keywords))
        )
    return gaps


def assert_fully_defined(document: dict) -> None:
    """Raise CredentialError naming every part of `document` that JSON-LD would drop."""
    gaps = unsigned_parts(document)
    if gaps:
        raise CredentialError("; ".join(gaps))
