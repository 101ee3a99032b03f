"""The eddsa-rdfc-2022 signing library, checked against the 1EdTech Open Badges 3.0 test vector.

Plain tests: no database. The vector files are copies kept in tests/certificates/vectors/.
"""

import copy
import hashlib
import json
import re
import socket
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import jsonld as jsonld_module
from certificates.jsonld import (
    CONTEXT_FILES,
    OB_CONTEXT,
    VC_CONTEXT,
    assert_fully_defined,
    canonicalize,
    document_loader,
    expand,
)
from certificates.signing import (
    CredentialError,
    VerificationResult,
    document_hash,
    hash_data,
    proof_hash,
    proof_options,
    public_key_from_multibase,
    public_key_multibase,
    refuse_control_characters,
    sign,
    verify,
)
from tests.certificates.conftest import leaves, with_value, without

VECTORS = Path(__file__).parent / "vectors" / "obv3p0"
VECTOR = json.loads((VECTORS / "vector.json").read_text(encoding="utf-8"))
UNSIGNED = VECTOR["unsigned_credential"]
SIGNED = VECTOR["signed_credential"]
PROOF = SIGNED["proof"]
PUBLIC_KEY = bytes.fromhex(VECTOR["public_key_hex"])
# The vector's private key is seed || public key, 64 bytes; Ed25519 takes the 32-byte seed.
PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR["private_key_hex"])[:32])

OWN_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OWN_PUBLIC_KEY = OWN_KEY.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw
)
OWN_METHOD = "did:web:academy.example#" + public_key_multibase(OWN_PUBLIC_KEY)
OWN_CREATED = "2026-03-01T09:30:00Z"
NAMES = {
    "chinese": "王小明",
    "arabic": "محمد بن راشد",
    "emoji": "Ada 👩\u200d💻🎓🚀",
    "diacritics": "Zoë Ångström-Núñez Dvořák",
}
PROOF_KEYS = ["type", "created", "verificationMethod", "cryptosuite", "proofPurpose", "proofValue"]


def canon_file(name: str) -> str:
    return (VECTORS / name).read_bytes().decode("utf-8")


def own_credential(name: str = " · ".join(NAMES.values())) -> dict:
    """Shaped like certificates.credentials.build_credential output, with more kinds of leaf."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": "https://academy.example/certificates/CMA-7K2Q-9XWD",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "did:web:academy.example",
            "type": ["Profile"],
            "name": "Cluster Manager Academy",
            "url": "https://academy.example/",
        },
        "name": "Certified Cluster Manager",
        "validFrom": "2026-03-01T09:30:00Z",
        "validUntil": "2029-03-01T09:30:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": name,
            "achievement": {
                "id": "https://academy.example/qualifications/certified-cluster-manager",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Certified Cluster Manager",
                "description": "Runs production clusters: upgrades, failover, capacity.",
                "criteria": {"narrative": "Passed all four course exams and the practical."},
                "creditsAvailable": 2.5,
            },
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$"
                    + hashlib.sha256(b"ada@example.org" + b"s4lt").hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "s4lt",
                }
            ],
        },
        "credentialStatus": {
            "id": "https://academy.example/status/1#42",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": "https://academy.example/status/1",
        },
        "evidence": [
            {
                "id": "https://academy.example/certificates/CMA-7K2Q-9XWD#evidence-1",
                "type": ["Evidence"],
                "name": "Practical exam",
                "narrative": "Recovered a three-node cluster from a split brain.",
            }
        ],
    }


@pytest.fixture(scope="module")
def own_signed() -> dict:
    return sign(own_credential(), OWN_KEY, OWN_METHOD, OWN_CREATED)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# Walking documents


def members(node, path=()):
    """The path of every dict entry and list item, at every depth."""
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        yield (*path, key)
        yield from members(value, (*path, key))


def changes_of(path: tuple, value) -> list:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        return [value + 1]
    # A longer value, and one of the same length with its last character changed.
    changed = [value + "x", value[:-1] + chr(ord(value[-1]) ^ 1)]
    if path == ("proof", "proofValue"):
        # Also a well-formed 64-byte signature with one bit flipped: only Ed25519 can catch it.
        signature = bytearray(base58.b58decode(value[1:]))
        signature[10] ^= 0x01
        changed.append("z" + base58.b58encode(bytes(signature)).decode())
    return changed


def path_id(path: tuple) -> str:
    return ".".join(str(step) for step in path)


# The 1EdTech test vector, reproduced exactly


def test_vector_key_pair_and_multikey():
    raw = PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert raw == PUBLIC_KEY
    assert VECTOR["private_key_hex"][64:] == VECTOR["public_key_hex"]
    assert public_key_multibase(PUBLIC_KEY) == VECTOR["public_key_multibase"]
    assert public_key_from_multibase(VECTOR["public_key_multibase"]) == PUBLIC_KEY
    assert PROOF["verificationMethod"].endswith("#" + VECTOR["public_key_multibase"])


def test_vector_document_canonical_form():
    assert {k: v for k, v in SIGNED.items() if k != "proof"} == UNSIGNED
    assert canonicalize(UNSIGNED) == canon_file(VECTOR["document_canon_file"])


def test_vector_proof_canonical_form():
    options = proof_options(PROOF, UNSIGNED["@context"])
    assert "proofValue" not in options
    assert options["@context"] == UNSIGNED["@context"]
    assert canonicalize(options) == canon_file(VECTOR["proof_canon_file"])


def test_vector_hashes():
    document_canon = canon_file(VECTOR["document_canon_file"]).encode()
    proof_canon = canon_file(VECTOR["proof_canon_file"]).encode()
    assert hashlib.sha256(document_canon).hexdigest() == VECTOR["document_hash_hex"]
    assert hashlib.sha256(proof_canon).hexdigest() == VECTOR["proof_hash_hex"]
    assert document_hash(UNSIGNED).hex() == VECTOR["document_hash_hex"]
    assert document_hash(SIGNED).hex() == VECTOR["document_hash_hex"]  # the proof is left out
    assert proof_hash(PROOF, UNSIGNED["@context"]).hex() == VECTOR["proof_hash_hex"]
    # The proof options hash comes FIRST.
    assert hash_data(SIGNED, PROOF).hex() == VECTOR["proof_hash_hex"] + VECTOR["document_hash_hex"]


def test_vector_signature_and_proof_value():
    signature = PRIVATE_KEY.sign(hash_data(UNSIGNED, PROOF))
    assert signature.hex() == VECTOR["signature_hex"]
    assert "z" + base58.b58encode(signature).decode() == PROOF["proofValue"]


def test_sign_reproduces_the_vector_credential_exactly():
    before = copy.deepcopy(UNSIGNED)
    signed = sign(UNSIGNED, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    assert signed == SIGNED
    assert list(signed["proof"]) == PROOF_KEYS
    assert before == UNSIGNED  # the input is not modified


def test_signing_a_signed_credential_replaces_its_proof():
    assert sign(SIGNED, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"]) == SIGNED


def test_verify_accepts_the_vector_credential():
    result = verify(SIGNED, PUBLIC_KEY)
    assert result == VerificationResult(True, result.reason)
    assert result.valid, result.reason


def test_expand_and_fully_defined_on_the_vector():
    expanded = expand(UNSIGNED)
    assert expanded[0]["@id"] == "http://example.com/credentials/3527"
    assert_fully_defined(UNSIGNED)
    assert_fully_defined(own_credential())


# Our own credential: round trip, Unicode


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_round_trip_with_unicode_names(name):
    unsigned = own_credential(name)
    signed = sign(unsigned, OWN_KEY, OWN_METHOD, OWN_CREATED)
    assert signed["credentialSubject"]["name"] == name
    assert f'"{name}"' in canonicalize(unsigned)  # signed as is, not escaped or normalised
    result = verify(signed, OWN_PUBLIC_KEY)
    assert result.valid, result.reason


def test_round_trip_with_every_kind_of_leaf(own_signed):
    result = verify(own_signed, OWN_PUBLIC_KEY)
    assert result.valid, result.reason
    assert [path for path, _ in leaves(own_signed)] == OWN_LEAVES


def test_verify_fails_with_another_key(own_signed):
    result = verify(SIGNED, OWN_PUBLIC_KEY)
    assert not result.valid
    assert "signature does not match" in result.reason
    assert not verify(own_signed, PUBLIC_KEY).valid


# Every change breaks the signature

VECTOR_LEAVES = [path for path, _ in leaves(SIGNED)]
OWN_LEAVES = [path for path, _ in leaves(own_credential())] + [("proof", k) for k in PROOF_KEYS]


@pytest.mark.parametrize("path", VECTOR_LEAVES, ids=path_id)
def test_every_single_field_change_of_the_vector_fails(path):
    value = dict(leaves(SIGNED))[path]
    for changed in changes_of(path, value):
        result = verify(with_value(SIGNED, path, changed), PUBLIC_KEY)
        assert not result.valid, f"{path_id(path)} = {changed!r} still verifies"
        assert result.reason


@pytest.mark.parametrize("path", OWN_LEAVES, ids=path_id)
def test_every_single_field_change_of_our_credential_fails(own_signed, path):
    value = dict(leaves(own_signed))[path]
    for changed in changes_of(path, value):
        result = verify(with_value(own_signed, path, changed), OWN_PUBLIC_KEY)
        assert not result.valid, f"{path_id(path)} = {changed!r} still verifies"


def test_a_flipped_signature_bit_is_caught_by_ed25519():
    path = ("proof", "proofValue")
    flipped = changes_of(path, PROOF["proofValue"])[-1]
    result = verify(with_value(SIGNED, path, flipped), PUBLIC_KEY)
    assert not result.valid
    assert "signature does not match" in result.reason


@pytest.mark.parametrize("path", list(members(SIGNED)), ids=path_id)
def test_removing_any_field_of_the_vector_fails(path):
    assert not verify(without(SIGNED, path), PUBLIC_KEY).valid


@pytest.mark.parametrize(
    ("where", "key"),
    [(("credentialSubject",), "grade"), (("proof",), "note"), ((), "score")],
    ids=["subject", "proof", "credential"],
)
def test_an_undefined_property_added_after_signing_fails(where, key):
    changed = copy.deepcopy(SIGNED)
    target = changed
    for step in where:
        target = target[step]
    target[key] = "A"
    result = verify(changed, PUBLIC_KEY)
    assert not result.valid
    assert repr(key) in result.reason


# What cannot be signed


def _changed(path: tuple, value) -> dict:
    return with_value(UNSIGNED, path, value)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (_changed(("credentialSubject", "grade"), "A"), "'grade'"),
        (_changed(("credentialSubject", "achievement", "criteria", "grade"), "A"), "'grade'"),
        (_changed(("grade",), "A"), "'grade'"),
        (_changed(("credentialSubject", "achievementType"), "Badge"), "'achievementType'"),
        (_changed(("issuer", "type"), ["Profile", "Frob"]), "'Frob'"),
        (_changed(("credentialSubject", "id"), "not-a-uri"), "'not-a-uri'"),
        (_changed(("credentialSubject", "id"), "did:example:a b"), "'did:example:a b'"),
        (_changed(("credentialSubject", "achievement", "name"), None), "achievement.name is null"),
        (_changed(("credentialSubject", "@grade"), "A"), "$.credentialSubject.@grade"),
        (
            _changed(
                ("credentialSubject", "achievement", "name"),
                {"@value": "فريق", "@direction": "rtl"},
            ),
            "@direction",
        ),
    ],
    ids=[
        "subject",
        "nested",
        "top-level",
        "wrong-scope",
        "type",
        "relative-id",
        "space-in-id",
        "null",
        "at-key",
        "direction",
    ],
)
def test_sign_refuses_what_the_signature_would_not_cover(document, named):
    with pytest.raises(
        CredentialError, match=r"would not be signed|not defined|null|not a JSON-LD|not part"
    ) as raised:
        sign(document, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    assert named in str(raised.value)


def test_sign_refuses_a_relative_verification_method():
    with pytest.raises(CredentialError, match="'key-1'"):
        sign(UNSIGNED, PRIVATE_KEY, "key-1", PROOF["created"])


@pytest.mark.parametrize("created", ["2026-03-01", "2026-03-01T09:30:00", "yesterday", None])
def test_sign_refuses_a_created_without_time_zone(created):
    with pytest.raises(CredentialError, match="created"):
        sign(UNSIGNED, PRIVATE_KEY, PROOF["verificationMethod"], created)


def test_an_inline_vocabulary_defines_every_term():
    document = copy.deepcopy(UNSIGNED)
    document["@context"] = [VC_CONTEXT, OB_CONTEXT, {"@vocab": "https://academy.example/terms#"}]
    document["credentialSubject"]["grade"] = "A"
    signed = sign(document, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    assert verify(signed, PUBLIC_KEY).valid
    assert not verify(with_value(signed, ("credentialSubject", "grade"), "B"), PUBLIC_KEY).valid


# Control characters

CONTROL_CHARACTERS = ["\t", "\n", "\r", "\x00", "\x1b", "\x1f", "\x7f"]


@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=repr)
def test_sign_refuses_a_control_character(character):
    document = _changed(("credentialSubject", "achievement", "name"), f"Team{character}work")
    with pytest.raises(CredentialError, match="contains a control character") as raised:
        sign(document, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    assert "$.credentialSubject.achievement.name" in str(raised.value)
    assert f"U+{ord(character):04X}" in str(raised.value)


@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=repr)
def test_verify_fails_on_a_control_character(character):
    changed = with_value(
        SIGNED, ("credentialSubject", "achievement", "name"), f"Team{character}work"
    )
    result = verify(changed, PUBLIC_KEY)
    assert not result.valid
    assert "control character" in result.reason


def test_control_characters_are_found_everywhere():
    with pytest.raises(CredentialError, match=r"\$\.type\[1\] contains a control character"):
        refuse_control_characters({"type": ["VerifiableCredential", "Open\x00Badge"]})
    with pytest.raises(
        CredentialError, match=re.escape("The key 'na\\tme' in $.credentialSubject")
    ):
        refuse_control_characters({"credentialSubject": {"na\tme": "x"}})
    refuse_control_characters(own_credential())  # no complaint about Unicode text


# Contexts and the document loader


@pytest.mark.parametrize("url", [VC_CONTEXT, OB_CONTEXT])
def test_the_loader_serves_the_local_contexts(url):
    loaded = document_loader(url)
    assert loaded["documentUrl"] == url
    assert loaded["document"]["@context"]["@protected"] is True
    loaded["document"]["@context"]["name"] = "https://evil.example/name"
    assert document_loader(url)["document"]["@context"].get("name") != "https://evil.example/name"


def test_each_context_file_is_read_once(monkeypatch):
    jsonld_module._context_document.cache_clear()
    reads = []
    read_text = Path.read_text

    def counting(self, *args, **kwargs):
        reads.append(self.name)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    for _ in range(3):
        document_loader(VC_CONTEXT)
        document_loader(OB_CONTEXT)
    assert sorted(reads) == sorted(CONTEXT_FILES.values())


def test_the_contexts_are_resolved_once_per_process(monkeypatch):
    """The loader marks its documents static, so PyLD keeps the resolved and processed contexts
    between calls instead of loading and processing both contexts for every expansion."""
    canonicalize(UNSIGNED)
    loaded = []
    loader = jsonld_module.document_loader

    def counting(url, options=None):
        loaded.append(url)
        return loader(url, options)

    monkeypatch.setattr(jsonld_module, "document_loader", counting)
    first = canonicalize(UNSIGNED)
    expand(UNSIGNED)
    assert loaded == []
    assert canonicalize(UNSIGNED) == first


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/context.json",
        "http://www.w3.org/ns/credentials/v2",  # not the same URL
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://w3id.org/security/data-integrity/v2",
        "file:///etc/passwd",
    ],
)
def test_the_loader_refuses_any_other_url(url, no_network):
    with pytest.raises(CredentialError, match="Refusing to load") as raised:
        document_loader(url)
    assert url in str(raised.value)
    document = copy.deepcopy(UNSIGNED)
    document["@context"] = [VC_CONTEXT, OB_CONTEXT, url]
    for operation in (expand, canonicalize, assert_fully_defined):
        with pytest.raises(CredentialError, match="Refusing to load"):
            operation(document)
    with pytest.raises(CredentialError, match="Refusing to load"):
        sign(document, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    signed = copy.deepcopy(SIGNED)
    signed["@context"] = document["@context"]
    assert "Refusing to load" in verify(signed, PUBLIC_KEY).reason


def test_sign_and_verify_need_no_network(no_network):
    signed = sign(own_credential(), OWN_KEY, OWN_METHOD, OWN_CREATED)
    assert verify(signed, OWN_PUBLIC_KEY).valid


@pytest.mark.parametrize(
    ("contexts", "message"),
    [
        ([OB_CONTEXT, VC_CONTEXT], "first entry"),
        ([VC_CONTEXT], "second"),
        ([VC_CONTEXT, {"name": "https://schema.org/name"}, OB_CONTEXT], "second"),
        ([OB_CONTEXT], "first entry"),
        (VC_CONTEXT, "a list"),
        ([], "a list"),
        (None, "a list"),
    ],
    ids=["swapped", "no-ob", "ob-third", "ob-only", "string", "empty", "missing"],
)
def test_contexts_in_the_wrong_order_are_refused(contexts, message):
    document = copy.deepcopy(UNSIGNED)
    document["@context"] = contexts
    with pytest.raises(CredentialError, match=message):
        sign(document, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    signed = copy.deepcopy(SIGNED)
    signed["@context"] = contexts
    assert not verify(signed, PUBLIC_KEY).valid


def test_a_status_list_credential_needs_only_the_vc_context():
    """Not an Open Badge: certificates.status signs it with the VC 2.0 context alone."""
    status_list = {
        "@context": [VC_CONTEXT],
        "id": "https://academy.example/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:web:academy.example",
        "validFrom": "2026-03-01T09:30:00Z",
        "validUntil": "2026-03-02T09:30:00Z",
        "credentialSubject": {
            "id": "https://academy.example/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
        },
    }
    signed = sign(status_list, OWN_KEY, OWN_METHOD, OWN_CREATED)
    assert verify(signed, OWN_PUBLIC_KEY).valid


# Multikeys


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z",
        VECTOR["public_key_multibase"][1:],  # no multibase prefix
        "u" + VECTOR["public_key_multibase"][1:],
        "z" + base58.b58encode(b"\xe7\x01" + bytes(33)).decode(),  # a secp256k1 Multikey
        "z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(),
        "z" + base58.b58encode(b"\xed\x01" + bytes(33)).decode(),
        "z0OIl",  # not base58
        "zé",
        None,
        b"z6Mk",
    ],
)
def test_public_key_from_multibase_refuses_what_is_not_an_ed25519_multikey(value):
    with pytest.raises(CredentialError, match="Multikey"):
        public_key_from_multibase(value)


@pytest.mark.parametrize("value", [bytes(31), bytes(33), b"", "00" * 32])
def test_public_key_multibase_needs_32_bytes(value):
    with pytest.raises(CredentialError, match="32 bytes"):
        public_key_multibase(value)


def test_multikey_round_trip():
    encoded = public_key_multibase(OWN_PUBLIC_KEY)
    assert encoded.startswith("z6Mk")
    assert public_key_from_multibase(encoded) == OWN_PUBLIC_KEY


# verify never raises


def _nested(depth: int) -> dict:
    node: dict = {"name": "deep"}
    for _ in range(depth):
        node = {"achievement": node}
    return node


def _proof_with(**changes) -> dict:
    return {**copy.deepcopy(SIGNED), "proof": {**PROOF, **changes}}


MALFORMED = {
    "none": None,
    "list": [SIGNED],
    "string": json.dumps(SIGNED),
    "empty": {},
    "no-proof": UNSIGNED,
    "proof-null": {**UNSIGNED, "proof": None},
    "proof-string": {**UNSIGNED, "proof": "z5x9"},
    "two-proofs": {**UNSIGNED, "proof": [PROOF, PROOF]},
    "wrong-type": _proof_with(type="Ed25519Signature2020"),
    "wrong-suite": _proof_with(cryptosuite="eddsa-jcs-2022"),
    "wrong-purpose": _proof_with(proofPurpose="authentication"),
    "value-number": _proof_with(proofValue=12345),
    "value-not-multibase": _proof_with(proofValue=PROOF["proofValue"][1:]),
    "value-not-base58": _proof_with(proofValue="z0OIl"),
    "value-short": _proof_with(proofValue="z" + base58.b58encode(bytes(63)).decode()),
    "value-unicode": _proof_with(proofValue="zé"),
    "context-number": {**SIGNED, "@context": 5},
    "context-object": {**SIGNED, "@context": {"@vocab": "https://evil.example/"}},
    "id-number": {**SIGNED, "id": 5},
    "type-object": {**SIGNED, "type": {"a": 1}},
    "subject-string": {**SIGNED, "credentialSubject": "someone"},
    "lone-surrogate": {**SIGNED, "name": "Team\ud800"},
    "deeply-nested": {**SIGNED, "credentialSubject": _nested(5000)},
    "created-number": _proof_with(created=20100101),
    "method-object": _proof_with(verificationMethod={"id": 1}),
}


@pytest.mark.parametrize("document", MALFORMED.values(), ids=MALFORMED.keys())
def test_verify_never_raises_on_a_malformed_document(document):
    result = verify(document, PUBLIC_KEY)
    assert isinstance(result, VerificationResult)
    assert not result.valid
    assert result.reason


@pytest.mark.parametrize(
    "key", [b"", bytes(31), PUBLIC_KEY + b"\x00", None, VECTOR["public_key_hex"]]
)
def test_verify_never_raises_on_a_malformed_key(key):
    result = verify(SIGNED, key)
    assert not result.valid
    assert result.reason
