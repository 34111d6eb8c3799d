"""STYLE rule 16: a service imports the tasks it schedules at the top, a task imports its service
inside its body, and no two modules import each other (through any circle) at module level."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("selfcare", "orders", "campaigns", "catalog", "backoffice")


def _modules() -> dict[str, tuple[Path, bool]]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _imports(nodes, *, module_level: bool):
    """The import statements run when the module is imported (`module_level`), or the others."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if module_level:
                yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not module_level:
                yield from (n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
        else:
            yield from _imports(ast.iter_child_nodes(node), module_level=module_level)


def _targets(node, *, name: str, is_package: bool, modules) -> set[str]:
    if isinstance(node, ast.Import):
        found = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = (name if is_package else name.rpartition(".")[0]).split(".")
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([node.module] if node.module else [])])
        found = {
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        }
    return {target for target in found if target in modules and target != name}


def _graph(*, module_level: bool) -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text())
        graph[name] = set()
        for node in _imports(tree.body, module_level=module_level):
            graph[name] |= _targets(node, name=name, is_package=is_package, modules=modules)
    return graph


def _circle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    path, seen = [start], set()

    def visit(module: str) -> list[str] | None:
        for target in sorted(graph[module]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                path.append(target)
                if found := visit(target):
                    return found
                path.pop()
        return None

    return visit(start)


def test_no_module_level_import_circles():
    graph = _graph(module_level=True)
    circles = [circle for name in graph if (circle := _circle_through(graph, name))]
    assert circles == []


def test_tasks_import_their_services_inside_the_task_and_services_import_tasks_at_the_top():
    top, inside = _graph(module_level=True), _graph(module_level=False)
    tasks = {name for name in top if name.endswith(".tasks")}
    services = {name for name in top if ".services" in name or name.endswith("services")}

    assert {name: top[name] & services for name in tasks} == {name: set() for name in tasks}
    assert {name: inside[name] & tasks for name in services} == {name: set() for name in services}
    schedulers = (
        "orders.services.purchase",
        "selfcare.services.messages",
        "campaigns.services.gifts",
        "campaigns.services.lifecycle",
    )
    assert all(top[name] & tasks for name in schedulers)
