"""The shape of the house: no import cycles, and a transcription engine is a plug-in the core never names.

The import graph is read from the source (every ``import`` statement, also those inside functions), so a cycle
that only bites at run time is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "callaudit"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                found = resolve(target)
                if found and found != mod:
                    graph[mod].add(found)
                    break
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_itself_back():
    assert strongly_connected(import_graph()) == []


def test_no_two_components_depend_on_each_other():
    graph = import_graph()
    component = {m: ".".join(m.split(".")[:2]) for m in graph}
    deps: dict[str, set[str]] = {}
    for mod, targets in graph.items():
        for t in targets:
            if component[t] != component[mod]:
                deps.setdefault(component[mod], set()).add(component[t])
    both = sorted({tuple(sorted((a, b))) for a in deps for b in deps[a] if a in deps.get(b, set())})
    assert both == []


def test_the_product_never_imports_its_test_kit():
    """The wheel Databricks installs holds no synthetic call centre, emulator, demo or benchmark, and needs none."""
    found = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "udfs").rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "callaudit_testkit"]
    assert found == []
    # sources, not folders: a stale __pycache__ left by an older checkout is no module
    assert not list((PACKAGE / "synth").rglob("*.py")) and not (PACKAGE / "twilio" / "emulator.py").exists()


def test_the_core_and_the_udf_name_no_engine():
    names = ("whisper_engine", "azure_engine", "reference_engine", "WhisperEngine", "AzureEngine",
             "ReferenceEngine", '"azure"', "'azure'")
    for path in (PACKAGE / "transcription" / "core.py", PACKAGE / "transcription" / "engine.py",
                 ROOT / "udfs" / "transcribe.py"):
        text = path.read_text(encoding="utf-8")
        assert [n for n in names if n in text] == [], path.name


def test_every_engine_declares_real_options():
    from dataclasses import fields

    from callaudit.transcription import registry
    from callaudit.transcription.options import TranscriptionOptions

    known = {f.name for f in fields(TranscriptionOptions)}
    for name in registry.names():
        spec = registry.spec(name)
        assert set(spec.options) <= known, name
        assert spec.language_option in known and (spec.diarisation_option or "language") in known
    assert registry.spec(registry.DEFAULT_ENGINE).offline


# --- adding an engine: this file is the only one touched ------------------------------------------------------

from callaudit.transcription.engine import ChannelSegment, EngineSpec  # noqa: E402


class ToneEngine:
    """A throwaway engine: says how loud each channel is. Registered by name, never imported by the core."""

    name = "tone"
    spec = EngineSpec(summary="test engine: reports each channel's level", options=("language",),
                      credentials=("TONE_API_KEY",))

    def __init__(self, options):
        self.options = options

    def version(self, hotwords=None) -> str:
        return "tone 1.0"

    def transcribe_channels(self, channels, *, hotwords=None, diarize=False, channel_hotwords=None):
        return [[ChannelSegment(0.0, len(x) / 16000, f"nivel {float(np.sqrt(np.mean(np.square(x)))):.2f}", 1.0)]
                for x in channels]


@pytest.fixture
def tone_engine():
    from callaudit.transcription import registry

    registry.register("tone", f"{__name__}:ToneEngine")
    yield
    registry._added.pop("tone", None)
    registry.engine_class.cache_clear()


def test_a_new_engine_runs_through_the_core_the_cli_and_the_udf_settings(tone_engine, tmp_path):
    from typer.testing import CliRunner

    from callaudit.cli import app
    from callaudit.transcription import registry
    from callaudit.transcription.audio import write_wav
    from callaudit.transcription.core import transcribe_recording

    t = np.arange(8000 * 2) / 8000
    wav = write_wav(tmp_path / "RE1.wav", np.stack([0.5 * np.sin(2 * np.pi * 300 * t),
                                                    0.1 * np.sin(2 * np.pi * 500 * t)]), 8000)
    transcript = transcribe_recording(wav, engine="tone", agent_channel=2)
    assert transcript.error is None and transcript.engine == "tone" and transcript.engine_version == "tone 1.0"
    by_speaker = {s.speaker: s.text for s in transcript.segments}
    assert set(by_speaker) == {"agent", "customer"}
    level = {k: float(v.split()[1]) for k, v in by_speaker.items()}
    assert level["customer"] > 3 * level["agent"]  # channel 1 (customer) is the loud one
    assert registry.credential_conf_keys("tone") == {"TONE_API_KEY": "callaudit.transcription.tone_api_key"}
    listed = CliRunner().invoke(app, ["engines"])
    assert listed.exit_code == 0 and "tone: test engine" in listed.output
    with pytest.raises(ValueError, match="unknown transcription engine 'tonee'.*tone"):
        transcribe_recording(wav, engine="tonee")


def test_a_registered_target_that_is_not_an_engine_is_refused():
    from callaudit.transcription import registry

    registry.register("broken", "callaudit.transcription.options:TranscriptionOptions")
    try:
        with pytest.raises(TypeError, match="not a callaudit engine"):
            registry.engine_class("broken")
    finally:
        registry._added.pop("broken", None)
        registry.engine_class.cache_clear()


# --- one value per business rule: code, pipeline expectations and GX suites --------------------------------------

def test_pipeline_expectations_and_gx_suites_share_the_contract_values(tmp_path):
    from callaudit import contracts
    from callaudit.lakehouse.expectations import ExpectationError, load_all, load_file
    from callaudit.quality.suites import load_specs

    rules = {(ds, r.name): r.constraint for ds, exp in load_all().items() for r in exp.rules}
    assert not [k for k, c in rules.items() if "${" in c]  # every reference was rendered
    silver_max = [c for (ds, _), c in rules.items() if ds == "silver_calls" and "duration_seconds BETWEEN" in c]
    assert silver_max and all(f"BETWEEN 0 AND {contracts.MAX_CALL_SECONDS}" in c for c in silver_max)
    gx_max = {s.table: e.kwargs["max_value"] for s in load_specs() for e in s.expectations
              if e.kwargs.get("column") == "duration_seconds" and "max_value" in e.kwargs}
    assert gx_max and set(gx_max.values()) == {contracts.MAX_CALL_SECONDS}
    gx_status = [e.kwargs["value_set"] for s in load_specs() if s.table == "twilio_calls" for e in s.expectations
                 if e.kwargs.get("column") == "status" and "value_set" in e.kwargs]
    assert gx_status == [list(contracts.CALL_STATUSES)]
    assert f"status IN {contracts.sql_literal(contracts.CALL_STATUSES)}" in rules[("silver_calls", "status_known")]

    bad = tmp_path / "x.yml"
    bad.write_text("dataset: x\nrules:\n  - {name: r, constraint: 'a < ${NO_SUCH}', action: warn}\n")
    with pytest.raises(ExpectationError, match="NO_SUCH"):
        load_file(bad)


def test_no_business_literal_is_repeated_in_the_product():
    """The literals contracts.py owns appear nowhere else in the product's code or rules."""
    import re

    offenders = []
    pattern = re.compile(r"""["']sin agente["']|quality_score"?\)? *< *(40|50)\b|\b(14400|28800|28_800)\b""")
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "expectations").rglob("*.yml"), *(ROOT / "udfs").rglob("*.py")]:
        if path.name == "contracts.py" or "synth" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_bronze_and_silver_datasets_never_read_gold():
    """Layers read downward only, and the folder tree says which layer a dataset is on: a file in
    pipelines/bronze/ or pipelines/silver/ reads bronze or silver, never a gold table or a mart (a quarantine table
    sits on the layer of the dataset it guards)."""
    from callaudit.lakehouse import catalog

    found = catalog.datasets()
    layer = {d.name: d.layer for d in found}
    offenders = {d.name: [r for r in d.reads if layer[r] in ("gold", "marts")]
                 for d in found if d.layer in ("bronze", "silver")}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert {layer[n] for n in ("bronze_calls", "silver_calls", "twilio_calls", "kpi_summary")} == {
        "bronze", "silver", "gold", "marts"}


def test_a_dataclass_field_becomes_a_spark_column():
    from dataclasses import dataclass, field

    from pyspark.sql.types import ArrayType, IntegerType, MapType, StringType

    from callaudit.transcript import Segment, Transcript
    from callaudit.transforms.dataclass_types import struct_of

    @dataclass
    class Extended(Transcript):
        topics: list[str] = field(default_factory=list)
        scores: dict[str, int] | None = None

    struct = struct_of(Extended)
    assert struct.fields[-2].dataType == ArrayType(StringType())
    assert struct.fields[-1].dataType == MapType(StringType(), IntegerType())
    assert struct["segments"].dataType == ArrayType(struct_of(Segment))
    assert struct["channels"].dataType == IntegerType() and struct["text"].dataType == StringType()

    @dataclass
    class Odd:
        value: complex

    with pytest.raises(TypeError, match="no Spark type"):
        struct_of(Odd)


def test_the_wheel_holds_the_product_and_its_default_scorecard():
    """What `pip wheel .` packs (setuptools' own package finder with pyproject's settings): the product, the UDFs
    and the shipped scorecards (an installed `callaudit score` finds its default form) — never the test kit."""
    import tomllib

    from setuptools import find_packages

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = find_packages(where=str(ROOT), include=cfg["packages"]["find"]["include"])
    assert {"callaudit", "callaudit.scoring", "callaudit.transcription", "udfs", "scorecards"} <= set(packages)
    assert not [p for p in packages if p.split(".")[0] in ("callaudit_testkit", "tests", "testkit")]
    assert cfg["package-data"]["scorecards"] == ["*.yml"]
    from callaudit.scoring.scorecard import DEFAULT_SCORECARD, SCHEMA_PATH

    assert DEFAULT_SCORECARD.parent == ROOT / "scorecards" and (ROOT / "scorecards" / "__init__.py").is_file()
    assert SCHEMA_PATH.parent.name == "scoring"  # package data of callaudit (**/*.json)
