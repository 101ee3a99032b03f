"""Which certificates modules may import which: the credential builder never reaches a verifier.

What the builder and the verifiers share (dates, the revocation bitstring, the JSON-LD contexts)
lives in modules of its own, so that a verifier can change without touching what signs.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "certificates"
BUILDER = ["credentials", "keys", "signing", "status", "issuance"]
VERIFIERS = {"credential_checks", "verification", "offline_verifier"}


def imported_modules(module: str) -> set[str]:
    """The certificates modules `module` imports, directly."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "certificates":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("certificates."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("certificates.")
            }
    return {name for name in found if (PACKAGE / f"{name}.py").exists()}


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for name in imported_modules(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


@pytest.mark.parametrize("module", BUILDER)
def test_the_builder_never_imports_a_verifier(module):
    assert reachable(module) & VERIFIERS == set()


def test_the_walk_sees_imports():
    """The check above is only as good as the import walk: it must see a verifier's imports."""
    assert {"credential_checks", "states", "dates"} <= reachable("verification")
    assert {"bitstring", "credential_checks", "signing"} <= reachable("offline_verifier")
