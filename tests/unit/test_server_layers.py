"""The server's floors stay honest: every module of ossh/server sits on a floor, and no import points up one.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the top."""

import ast
from pathlib import Path

import ossh.server

SERVER = Path(ossh.server.__file__).parent

# Lowest first. A module may import its own floor and those below, never one above.
FLOORS = ["wire", "checks", "store", "auth", "ops", "app", "front", "entry"]
ENTRY_POINTS = {"__init__", "local", "serve", "check"}


def floor_of(module: str) -> str:
    """`module` is dotted below ossh.server: `store.blobs`, `app`, `local`."""
    head = module.split(".")[0]
    if head in ENTRY_POINTS:
        return "entry"
    assert head in FLOORS, f"ossh/server/{head} is on no floor: place it in tests/unit/test_server_layers.py"
    return head


def module_name(path: Path) -> str:
    rel = path.relative_to(SERVER).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def server_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module below ossh.server) for every import of a server module in `path`."""
    return imports_in(path.read_text(), module_name(path), path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target] if node.module else [[*target, alias.name] for alias in node.names]
            elif node.module and node.module.startswith("ossh.server"):
                target = node.module.split(".")[2:]
                names = [target] if target else [[alias.name] for alias in node.names]
            else:
                continue
            found += [(node.lineno, ".".join(name)) for name in names if name]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name.split(".", 2)[2])
                for alias in node.names
                if alias.name.startswith("ossh.server.")
            ]
    return found


def upward_imports(module: str, imports: list[tuple[int, str]]) -> list[str]:
    own = floor_of(module)
    return [
        f"{module}:{line} ({own}) imports {target} ({floor_of(target)})"
        for line, target in imports
        if FLOORS.index(floor_of(target)) > FLOORS.index(own)
    ]


def test_every_server_module_is_on_a_floor_and_imports_only_down():
    modules = sorted(SERVER.rglob("*.py"))
    assert len(modules) > 30
    upward = [line for path in modules for line in upward_imports(module_name(path), server_imports(path))]
    assert not upward, "imports pointing up a floor:\n" + "\n".join(upward)


def test_the_server_takes_no_limits_from_the_client_transfer_code():
    """OSS's limits come from ossh.protocol; of the client the server uses only the signer and small helpers."""
    for path in sorted(SERVER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ossh.client"):
                assert node.module in (
                    "ossh.client.auth",
                    "ossh.client.crc",
                    "ossh.client.xmlparse",
                    "ossh.client.headers",
                ), f"{path.relative_to(SERVER)} imports {node.module}"


def test_the_layer_check_catches_an_upward_import_however_it_is_spelled():
    assert floor_of(module_name(SERVER / "wire" / "records.py")) == "wire"
    assert floor_of(module_name(SERVER / "__init__.py")) == "entry"
    source = (
        "from ..app import App\nfrom . import errors\nimport ossh.server.ops.buckets\n"
        "def lazy():\n    from ossh.server.store import blobs\n"
    )
    found = imports_in(source, "wire.fake")
    assert found == [(1, "app"), (2, "wire.errors"), (3, "ops.buckets"), (5, "store")]
    upward = upward_imports("wire.fake", found)
    assert [line.split(" imports ")[1] for line in upward] == ["app (app)", "ops.buckets (ops)", "store (store)"]
