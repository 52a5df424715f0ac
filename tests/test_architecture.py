"""The layering of docs/architecture.md, checked on the source: backend domains import only downwards, the
solver's id strings live in the translator alone, handlers leave the access log to its dependency, and no
backend function grows past what one reader holds in mind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"

# Lowest first. A module may import its own domain and any domain before it, never one after it.
# The last group is the composition root: it wires the domains together and nothing imports it but itself.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "common", "settings", "db", "migrations"),
    ("municipality",),
    ("auth",),
    ("audit",),
    ("teams",),
    ("jobs",),
    ("carers",),
    ("recipients",),
    ("addresses",),
    ("decisions",),
    ("rota",),
    ("planning",),
    ("visits",),
    ("notices",),
    ("agreements",),
    ("stats",),
    ("kpis",),
    ("imports",),
    ("scenarios",),
    ("admin",),
    ("web",),
    ("ops",),
    ("tasks", "app", "models"),
    ("simulation",),
    ("demo",),
    ("cli",),
]
RANK = {domain: rank for rank, layer in enumerate(LAYERS) for domain in layer}
MAX_FUNCTION_LINES = 80


def _sources() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if "migrations" not in p.relative_to(BACKEND).parts)


def _domain(path: Path) -> str:
    return path.relative_to(BACKEND).parts[0].removesuffix(".py")


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import, at module level and inside functions (`from backend import x`
    counts as importing backend.x)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [
                f"{node.module}.{a.name}" for a in node.names if node.module == "backend"
            ]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names]
    return found


def _backend_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, imported backend domain) for every import of the backend."""
    return [
        (line, parts[1])
        for line, name in _imports(tree)
        if (parts := name.split("."))[0] == "backend" and len(parts) > 1
    ]


def import_violations(sources: list[Path]) -> list[str]:
    problems = []
    for path in sources:
        domain = _domain(path)
        if domain == "__init__":
            continue
        assert domain in RANK, f"{domain} (from {path}) has no place in LAYERS: add it to docs and test"
        for line, target in _backend_imports(ast.parse(path.read_text())):
            if target == domain:
                continue
            assert target in RANK, f"{path}:{line} imports backend.{target}, which has no place in LAYERS"
            if RANK[target] > RANK[domain]:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {domain} imports {target} (above it)")
    return problems


def test_backend_domains_import_only_downwards() -> None:
    assert import_violations(_sources()) == []


def test_the_import_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The checker itself catches a lazy upward import, not only module-level ones."""
    planning = tmp_path / "backend" / "planning"
    planning.mkdir(parents=True)
    (planning / "sneaky.py").write_text("def f():\n    from backend.notices.detect import x\n    return x\n")
    tree = ast.parse((planning / "sneaky.py").read_text())
    assert _backend_imports(tree) == [(2, "notices")]
    assert RANK["notices"] > RANK["planning"]


ID_PATTERNS = [
    re.compile(r"""f["']c\{"""),  # f"c{carer_id}"
    re.compile(r"""f["']v\{"""),  # f"v{visit_id}"
    re.compile(r"""\[1:\]\)"""),  # int(key[1:])
    re.compile(r"""\+ ["'][ab]["']"""),  # key + "a"
]


def test_solver_ids_are_built_and_parsed_in_the_translator_only() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != BACKEND / "planning" / "translate.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if any(p.search(line) for p in ID_PATTERNS)
    ]
    assert offenders == []


@pytest.mark.parametrize("kind", ["router.py", "console.py", "kpi_pages.py", "pwa.py"])
def test_handlers_leave_the_access_log_to_its_dependency(kind: str) -> None:
    """`RecipientReadsDep` / `RecipientReads` write the rows; no handler repeats the tail itself."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in BACKEND.rglob(kind)
        if "log_recipient_reads" in path.read_text() or "AccessLog(" in path.read_text()
    ]
    assert offenders == []


def test_no_backend_function_is_longer_than_a_reader_holds() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.name} ({length} lines)")
    assert long == []


def test_settings_are_read_from_the_environment_only_at_the_entry_points() -> None:
    """Settings are built by the CLI and the app factory and then passed (app.state, runners, hooks); no
    service reaches for a process-wide instance."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in _sources()
        if re.search(r"from backend\.settings import .*\bget_settings\b", path.read_text())
        and path.name not in ("cli.py", "app.py", "settings.py")
    )
    assert readers == []


def _routing_imports(path: Path) -> set[str]:
    return {name for _, name in _imports(ast.parse(path.read_text()))}


def test_one_routing_module_per_engine_and_the_baseline_free_of_both() -> None:
    """OR-Tools is imported by routing/ortools_model.py alone, PyVRP by routing/pyvrp_engine.py alone; the
    manual-like baseline, the objective and the validator need neither engine's module."""
    routing = ROOT / "routing"
    for path in routing.rglob("*.py"):
        names = _routing_imports(path)
        if any(n.split(".")[0] == "ortools" for n in names):
            assert path.name == "ortools_model.py", path
        if any(n.split(".")[0] == "pyvrp" for n in names):
            assert path.name == "pyvrp_engine.py", path
    for name in ("baseline.py", "objective.py", "check.py"):
        names = _routing_imports(routing / name)
        assert not names & {"routing.ortools_model", "routing.pyvrp_engine", "routing.solve"}, name
