"""The house's dependency rules (shared/docs/ARCHITECTURE.md), checked on every module's imports, also those
inside functions: `trust` is a library that imports nothing else of microcred, and no stage imports `web`
except its own routes (`api.py`, `pages.py`, or an `api/` or `pages/` package)."""

from __future__ import annotations

import ast
import re
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
        if path.relative_to(SOURCE).parts[0] not in ("web", "cli") and not is_route_module(path)
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


STAGES = sorted(
    path.name
    for path in SOURCE.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name not in ("web", "trust", "store")
)
MAX_LINES = 620  # "no module over ~600 lines"


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def is_route_name(name: str) -> bool:
    return any(part in ("api", "pages") for part in name.split(".")[2:])


def test_only_the_app_factory_imports_routes() -> None:
    """Routes never import each other: what two stages share is a service, reached through its stage."""
    wrong = {
        (module_of(path), name)
        for path in SOURCE.rglob("*.py")
        if path.relative_to(SOURCE).parts[0] != "web"
        for name in imports(path)
        if is_route_name(name) and name != module_of(path)
    }
    assert not wrong, sorted(wrong)


def test_verify_reads_what_issuing_holds_only_through_its_sources() -> None:
    wrong = {
        (module_of(path), name)
        for path in (SOURCE / "verify").rglob("*.py")
        for name in imports(path)
        if name == "microcred.issuing" or name.startswith("microcred.issuing.")
    }
    assert not wrong, sorted(wrong)


def test_handlers_never_commit_or_roll_back() -> None:
    """The request's session commits or rolls back in one place (web.security.get_db, web.forms.refusing)."""
    wrong = {
        (module_of(path), node.lineno)
        for path in SOURCE.rglob("*.py")
        if is_route_module(path)
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    }
    assert not wrong, sorted(wrong)


def test_api_shapes_live_in_schemas_not_in_routes() -> None:
    wrong = {
        (module_of(path), node.name)
        for path in SOURCE.rglob("*.py")
        if is_route_module(path)
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.ClassDef)
    }
    assert not wrong, sorted(wrong)


def test_who_may_call_is_declared_once() -> None:
    """Routes take the caller aliases of web.security (Anyone, SignedIn, Educators, ...), never their own."""
    wrong = {
        (module_of(path), node.lineno)
        for path in SOURCE.rglob("*.py")
        if path != SOURCE / "web" / "security.py"
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Access"
    }
    assert not wrong, sorted(wrong)


def test_no_module_is_too_big_to_read() -> None:
    big = {
        (module_of(path), lines)
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not big, sorted(big)


def test_templates_live_with_their_stage_and_names_are_unique() -> None:
    kit = {path.name for path in (SOURCE / "web" / "templates").glob("*.html")}
    staged = [path for path in SOURCE.glob("*/templates/*.html") if path.parts[-3] != "web"]
    names = [path.name for path in staged]
    assert len(names) == len(set(names)) and not kit & set(names), sorted(names)
    assert kit == {"base.html", "error.html", "_ui.html"}, sorted(kit)  # the layout, errors, the components


def test_tests_mirror_the_stages() -> None:
    """tests/<stage>/test_api.py and test_pages.py for a stage's routes, and a test module per service module."""
    tests = SOURCE.parents[1] / "tests"
    missing = []
    for stage in STAGES:
        folder = SOURCE / stage
        for kind in ("api", "pages"):
            has_routes = (folder / f"{kind}.py").exists() or (folder / kind).is_dir()
            if has_routes and not (tests / stage / f"test_{kind}.py").exists():
                missing.append(f"tests/{stage}/test_{kind}.py")
        for path in folder.glob("*.py"):
            if path.stem in ("__init__", "models", "schemas", "api", "pages"):
                continue
            if not (tests / stage / f"test_{path.stem}.py").exists():
                missing.append(f"tests/{stage}/test_{path.stem}.py")
    assert not missing, missing


def test_every_json_route_declares_its_response_model(tmp_path: Path) -> None:
    """A JSON route says what it answers with a model of its stage's schemas (a list of them, or of strings), not
    `dict[str, Any]`; a 204 has no body to describe."""
    import typing

    from pydantic import BaseModel

    from microcred.config import Settings
    from microcred.store import Database
    from microcred.web.app import api_routes, create_app

    def described(model: object) -> bool:
        if isinstance(model, type):
            return issubclass(model, BaseModel | str | int | bool)
        if typing.get_origin(model) in (list, tuple):
            return all(described(arg) for arg in typing.get_args(model) if arg is not Ellipsis)
        if typing.get_origin(model) in (typing.Union, __import__("types").UnionType):
            return all(described(arg) for arg in typing.get_args(model) if arg is not type(None))
        return False

    database = Database(f"sqlite:///{tmp_path / 'routes.db'}")
    app = create_app(Settings(data_dir=tmp_path), database)
    undescribed = sorted(
        f"{sorted(route.methods or ())} {path}"
        for path, route in api_routes(app)
        if route.include_in_schema
        and getattr(route.response_class, "value", route.response_class).__name__ == "JSONResponse"
        and route.status_code != 204
        and not described(route.response_model)
    )
    database.dispose()
    assert not undescribed, undescribed


def test_pages_use_the_stylesheet_and_scripts_only_from_files() -> None:
    """The CSP allows styles and scripts from our files alone: no template may carry its own."""
    inline = re.compile(r"""\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=["']""", re.IGNORECASE)
    found = [
        f"{path.relative_to(SOURCE)}: {match.group().strip()}"
        for path in SOURCE.glob("*/templates/*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found
