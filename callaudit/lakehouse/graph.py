"""The pipeline's dataflow graph, read from its source: which dataset reads which, and which landing folder feeds
which bronze table — so an update can refresh only what a new file can change.

Each file under ``pipelines/`` declares one dataset (``@datasets.table("x")``, ``@datasets.materialized_view("x")``
or ``@datasets.quarantine("x")`` = ``quarantine_x``) and reads its inputs with ``spark.read.table("y")`` /
``spark.readStream.table("y")`` and, in bronze, a landing folder ``{landing_path}/<folder>``. Those calls are
found in the syntax tree (not executed), so the graph is the code's own and cannot drift from it; a dataset that
takes landing paths from its rows instead (transcription opens the media files its manifest rows name) is listed in
:data:`PATH_READERS`, and a test fails when a new one is not.

:func:`downstream` is the set an update must refresh after new files in some landing folders: every dataset that
reads them, directly or through others. Everything else would recompute the same rows.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from callaudit.config import PROJECT_ROOT

# datasets that open landing files by the paths their input rows hold, not by a folder of their own
PATH_READERS = {"silver_transcriptions": ("media",)}
_LANDING_FOLDER = re.compile(r"""callaudit\.landing_path['"]\s*\)\s*\}/(\w+)""")


@dataclass
class Dataset:
    name: str
    kind: str  # table (streaming), materialized_view, quarantine
    source: Path
    reads: set[str] = field(default_factory=set)  # datasets it reads
    landing: set[str] = field(default_factory=set)  # landing folders it reads


class GraphError(ValueError):
    """A pipeline file the graph cannot read (no dataset, or two)."""


def _declared(tree: ast.Module, path: Path) -> tuple[str, str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr in ("table", "materialized_view", "quarantine")
                    and deco.args and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str)):
                name = deco.args[0].value
                found.append((f"quarantine_{name}" if deco.func.attr == "quarantine" else name, deco.func.attr))
    if len(found) != 1:
        raise GraphError(f"{path}: expected one dataset declaration, found {len(found)}")
    return found[0]


def _table_reads(tree: ast.Module) -> set[str]:
    """``<...>.read.table("y")`` and ``<...>.readStream.table("y")`` calls."""
    out = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "table"
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr in ("read", "readStream")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.add(node.args[0].value)
    return out


def read_graph(root: Path | None = None) -> dict[str, Dataset]:
    """Every dataset under ``root`` (default: the project's ``pipelines/``) with what it reads."""
    root = root or PROJECT_ROOT / "pipelines"
    graph: dict[str, Dataset] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        name, kind = _declared(tree, path)
        if name in graph:
            raise GraphError(f"{path}: dataset {name} is also declared in {graph[name].source}")
        ds = Dataset(name, kind, path, reads=_table_reads(tree), landing=set(_LANDING_FOLDER.findall(text)))
        ds.landing |= set(PATH_READERS.get(name, ()))
        graph[name] = ds
    return graph


@lru_cache(maxsize=4)
def _cached(root: str) -> dict[str, Dataset]:
    return read_graph(Path(root))


def pipeline_graph() -> dict[str, Dataset]:
    """The project's graph (read once per process)."""
    return _cached(str(PROJECT_ROOT / "pipelines"))


def downstream(graph: dict[str, Dataset], landing_folders: set[str] | frozenset[str]) -> set[str]:
    """Every dataset that reads one of ``landing_folders``, directly or through other datasets."""
    out = {name for name, ds in graph.items() if ds.landing & set(landing_folders)}
    grew = True
    while grew:
        grew = False
        for name, ds in graph.items():
            if name not in out and ds.reads & out:
                out.add(name)
                grew = True
    return out
