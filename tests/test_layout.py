"""The house's dependency rules (shared/docs/ARCHITECTURE.md), checked on every module's imports, also those
inside functions: `trust` is a library that imports nothing else of microcred, and no stage imports `web`
except its own routes (`api.py`, `pages.py`, or an `api/` or `pages/` package)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "microcred"


def imports(path: Path) -> set[str]:
    """The microcred modules a file imports (`from microcred import x` counts as microcred.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("microcred")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("microcred"):
            found |= {
                f"{node.module}.{alias.name}" if node.module == "microcred" else node.module for alias in node.names
            }
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative imports hide where a dependency points; import microcred.…")
    return found


def module_of(path: Path) -> str:
    return ".".join(("microcred", *path.relative_to(SOURCE).with_suffix("").parts)).removesuffix(".__init__")


def is_route_module(path: Path) -> bool:
    parts = path.relative_to(SOURCE).parts
    return path.stem in ("api", "pages") or any(part in ("api", "pages") for part in parts[:-1])


def test_trust_imports_nothing_else_of_microcred() -> None:
    wrong = {
        (module_of(path), name)
        for path in (SOURCE / "trust").rglob("*.py")
        for name in imports(path)
        if not (name == "microcred.trust" or name.startswith("microcred.trust."))
    }
    assert not wrong, sorted(wrong)


def test_no_stage_imports_the_web_kit_but_its_routes() -> None:
    wrong = {
        (module_of(path), name)
        for path in SOURCE.rglob("*.py")
        if path.relative_to(SOURCE).parts[0] not in ("web", "cli.py") and not is_route_module(path)
        for name in imports(path)
        if name == "microcred.web" or name.startswith("microcred.web.")
    }
    assert not wrong, sorted(wrong)


def test_the_rules_see_imports_wherever_they_are_written(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from microcred.web import app\n    import microcred.issuing.keys\nfrom microcred import errors\n"
    )
    assert imports(sample) == {"microcred.web", "microcred.issuing.keys", "microcred.errors"}
