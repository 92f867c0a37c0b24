"""The pipeline's datasets as the folder tree declares them, and ``docs/TABLES.md`` generated from them.

Every dataset is one file ``pipelines/<layer>/<name>.py`` (layers: bronze, silver, gold, marts). The file's
docstring describes the dataset (first line: what one row is); a gold table or a mart also lists its columns
next to its code::

    COLUMNS = [
        # (column names, Spark type(s), meaning); **bold** marks a column of the original system
        ("**call_sid**", "string", "Twilio Call SID (`CA…`)"),
        ("start_time, end_time", "timestamp", "UTC"),
        ("price, price_unit", "double, string", "Twilio's price"),
        ("has_<criterion>", "boolean", "one column per criterion of the scorecard"),
    ]

Read from the source (``ast``), never imported, so this works without Spark. ``callaudit pipeline docs`` writes
``docs/TABLES.md``; a unit test checks the committed file is the generated one, and a Spark test checks every
documented column and type against the real tables the pipeline wrote.

The same reading gives the lineage an update needs: the tables a dataset reads (``spark.read.table("y")`` /
``readStream.table("y")``) and, in bronze, its landing folder (``{landing_path}/<folder>``). A dataset that opens
landing files by the paths its rows hold (transcription opens the media files its manifests name) is listed in
:data:`PATH_READERS`; a test fails when a new one is not. :func:`downstream` is what an update must refresh after
new files in some landing folders: every dataset that reads them, directly or through others.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from callaudit.config import PROJECT_ROOT

LAYERS = ("bronze", "silver", "gold", "marts")
PIPELINES_DIR = PROJECT_ROOT / "pipelines"
TABLES_MD = PROJECT_ROOT / "docs" / "TABLES.md"
_READ = re.compile(r"""\.table\(\s*["'](\w+)["']""")
_DECORATORS = {"table": "streaming table", "materialized_view": "materialized view", "quarantine": "quarantine"}
_LANDING_FOLDER = re.compile(r"""callaudit\.landing_path['"]\s*\)\s*\}/(\w+)""")
# datasets that open landing files by the paths their input rows hold, not by a folder of their own
PATH_READERS = {"silver_transcriptions": ("media",)}


@dataclass(frozen=True)
class ColumnDoc:
    names: tuple[str, ...]  # as written, ``**`` stripped; a name with ``<…>`` is a pattern (``has_<criterion>``)
    types: tuple[str, ...]  # one per name, or one for all
    meaning: str
    original: tuple[bool, ...]

    def type_of(self, i: int) -> str:
        return self.types[i] if len(self.types) > 1 else self.types[0]

    def pattern(self, i: int) -> re.Pattern[str]:
        return re.compile("^" + r"\w+".join(re.escape(p) for p in re.split(r"<[^>]+>", self.names[i])) + "$")


@dataclass
class Dataset:
    name: str
    layer: str
    kind: str  # streaming table | materialized view | quarantine
    path: Path
    description: str
    reads: list[str]
    columns: list[ColumnDoc] | None = None
    landing: tuple[str, ...] = ()  # landing folders it reads

    @property
    def summary(self) -> str:
        return self.description.split("\n\n", 1)[0].replace("\n", " ").strip()

    @property
    def details(self) -> str:
        parts = self.description.split("\n\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


def _parse_columns(node: ast.AST, path: Path) -> list[ColumnDoc]:
    out = []
    for item in ast.literal_eval(node):
        names_s, types_s, meaning = item
        raw = [n.strip() for n in names_s.split(",") if n.strip()]
        names = tuple(n.strip("*") for n in raw)
        types = tuple(t.strip() for t in types_s.split(", ")) if types_s.strip() else ()  # "map<string,int>" is one
        if not types or (len(types) > 1 and len(types) != len(names)):
            raise ValueError(f"{path}: column entry {names_s!r} needs one type, or one per column (got {types_s!r})")
        out.append(ColumnDoc(names, types, meaning, tuple(n.startswith("**") for n in raw)))
    return out


def read_dataset(path: Path) -> Dataset:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    layer = path.parent.name
    name = kind = None
    columns = None
    declared = 0
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COLUMNS" for t in node.targets):
            columns = _parse_columns(node.value, path)
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in _DECORATORS:
                    first = dec.args[0].value if dec.args and isinstance(dec.args[0], ast.Constant) else None
                    kind = _DECORATORS[dec.func.attr]
                    declared += 1
                    if dec.func.attr == "quarantine":
                        name = f"quarantine_{first}"
                    else:
                        name = first
    if name is None:
        raise ValueError(f"{path}: no dataset declared (datasets.table / materialized_view / quarantine)")
    if declared > 1:
        raise ValueError(f"{path}: expected one dataset declaration, found {declared} (one file per dataset)")
    text = path.read_text(encoding="utf-8")
    reads = [t for t in dict.fromkeys(_READ.findall(text)) if t != name]  # a stream reads its own name via the decorator
    landing = tuple(dict.fromkeys([*_LANDING_FOLDER.findall(text), *PATH_READERS.get(name, ())]))
    return Dataset(name=name, layer=layer, kind=kind, path=path, description=ast.get_docstring(tree) or "",
                   reads=reads, columns=columns, landing=landing)


def datasets(root: Path = PIPELINES_DIR) -> list[Dataset]:
    """Every dataset under ``root``, in layer order then by name."""
    found = []
    for layer in LAYERS:
        found.extend(read_dataset(p) for p in sorted((root / layer).glob("*.py")))
    stray = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if p.parent.name not in LAYERS)
    if stray:
        raise ValueError(f"dataset files outside a layer folder ({', '.join(LAYERS)}): {', '.join(stray)}")
    return found


def downstream(found: list[Dataset], landing_folders: set[str] | frozenset[str]) -> set[str]:
    """Every dataset that reads one of ``landing_folders``, directly or through other datasets."""
    out = {d.name for d in found if set(d.landing) & set(landing_folders)}
    grew = True
    while grew:
        grew = False
        for d in found:
            if d.name not in out and out.intersection(d.reads):
                out.add(d.name)
                grew = True
    return out


def _normal_type(kind: str) -> str:
    """``array<struct<speaker:string,…>>`` -> ``array<struct>``: documents name the shape, not every field."""
    out, depth, i = [], 0, 0
    while i < len(kind):
        if kind.startswith("struct<", i):
            out.append("struct")
            depth, i = 1, i + len("struct<")
            while depth and i < len(kind):
                depth += {"<": 1, ">": -1}.get(kind[i], 0)
                i += 1
            continue
        out.append(kind[i])
        i += 1
    return "".join(out)


def check_columns(ds: Dataset, schema: list[tuple[str, str]]) -> list[str]:
    """What differs between a dataset's documented columns and the real table's (name, simpleString) schema.
    Columns starting with ``_`` (lineage, rule inputs) need no entry."""
    if ds.columns is None:
        return [f"{ds.name}: no COLUMNS in {ds.path.name}"]
    problems = []
    real = {n: _normal_type(t) for n, t in schema}
    matched: set[str] = set()
    for doc in ds.columns:
        for i, name in enumerate(doc.names):
            hits = [n for n in real if doc.pattern(i).match(n)] if "<" in name else ([name] if name in real else [])
            if not hits:
                problems.append(f"{ds.name}.{name}: documented but not in the table")
            for hit in hits:
                matched.add(hit)
                if real[hit] != doc.type_of(i):
                    problems.append(f"{ds.name}.{hit}: documented as {doc.type_of(i)}, the table has {real[hit]}")
    missing = [n for n in real if n not in matched and not n.startswith("_")]
    problems.extend(f"{ds.name}.{n}: in the table but not documented" for n in missing)
    return problems


# ---- docs/TABLES.md -------------------------------------------------------------------------------------------
_HEADER = """# Table reference

<!-- generated by `callaudit pipeline docs` from the dataset files in pipelines/<layer>/ (their docstrings and
COLUMNS); edit those, not this file. A test checks this file is current and every column against the real tables. -->

Gold tables and marts are what analysts query (`callaudit sql`, the dashboard, the report). Bronze and silver are
restricted: they hold raw phone numbers and the unredacted transcript. Times are UTC timestamps unless the name says
`local`; `call_date` is the call's date in America/Bogota. Names in **bold** are the original system's columns.
Every dataset is one file, `pipelines/<layer>/<name>.py`; "reads" is its lineage.

A **quarantine** table (listed under the layer of the dataset it guards) holds the rows of that dataset that violated
a rule of `expectations/<dataset>.yml`: every column of the dataset plus `_failed_rules` (rule names), `_action`
(`drop` = not in the dataset, `warn` = kept and flagged) and `_quarantined_at`.
"""

_LAYER_TITLES = {
    "gold": "Gold (`pipelines/gold/`)",
    "marts": "Marts (`pipelines/marts/`)",
    "silver": "Silver — restricted (`pipelines/silver/`)",
    "bronze": "Bronze — restricted (`pipelines/bronze/`)",
}

_SIDE_TABLES = """## Side tables (written by a command, not by the pipeline)
| table | grain | columns |
|---|---|---|
| `rescored_call_audits` | call × scorecard version (`callaudit rescore`) | the `twilio_call_audits` columns for another scorecard version + scorecard_path, rescored_at |
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_tables_md(found: list[Dataset] | None = None) -> str:
    found = datasets() if found is None else found
    lines = [_HEADER]
    for layer in ("gold", "marts", "silver", "bronze"):
        in_layer = [d for d in found if d.layer == layer]
        if not in_layer:
            continue
        lines.append(f"## {_LAYER_TITLES[layer]}\n")
        main = [d for d in in_layer if d.kind != "quarantine"]
        quarantine = [d for d in in_layer if d.kind == "quarantine"]
        for ds in main:
            lines.append(f"### `{ds.name}` — {ds.summary}")
            meta = f"*{ds.kind}*" + (f" · reads {', '.join(f'`{r}`' for r in ds.reads)}" if ds.reads else "")
            lines.append(meta + "\n")
            if ds.details:
                lines.append(ds.details + "\n")
            if ds.columns:
                lines.append("| column | type | meaning |\n|---|---|---|")
                for c in ds.columns:
                    names = ", ".join(f"**{n}**" if o else n for n, o in zip(c.names, c.original, strict=True))
                    lines.append(f"| {_cell(names)} | {_cell(', '.join(c.types))} | {_cell(c.meaning)} |")
                lines.append("")
        if quarantine:
            lines.append("**Quarantine**\n")
            for ds in quarantine:
                lines.append(f"- `{ds.name}` — {ds.summary}")
            lines.append("")
    lines.append(_SIDE_TABLES)
    return "\n".join(lines).rstrip() + "\n"


def write_tables_md(path: Path = TABLES_MD) -> bool:
    """Write the generated reference; True when the file changed."""
    text = render_tables_md()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
