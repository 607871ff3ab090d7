"""The layout holds: no import loop among the project's modules, and an engine free of the hub.

Every import statement counts, those inside functions too: a lazy import hides a loop from
Python at start-up, not from a reader.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("preferences", "hub", "tasks", "config")
TOP_MODULES = ("celery_app", "manage")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    paths += [ROOT / f"{name}.py" for name in TOP_MODULES]
    return {module_name(p): p for p in paths if "migrations" not in p.parts}


def imported_names(path: Path, module: str) -> set[str]:
    """Every module named by an import in ``path``, ``from x import y`` as ``x.y`` too."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {
        module: {name for name in imported_names(path, module) if name in modules} - {module}
        for module, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_lazy_imports_inside_functions(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from hub import outbox\n")

    assert imported_names(source, "lazy") == {"hub", "hub.outbox"}


def test_cycles_finds_a_loop_and_only_a_loop():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_loop_among_the_project_modules():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    "module", sorted(m for m in project_modules() if m.startswith("preferences"))
)
def test_the_engine_imports_nothing_of_the_hub_tasks_or_celery(module):
    path = project_modules()[module]
    forbidden = ("hub", "tasks", "config", "celery_app", "celery", "kombu")
    offending = {name for name in imported_names(path, module) if name.split(".")[0] in forbidden}

    assert offending == set()
