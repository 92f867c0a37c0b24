"""The workspace code path at its seams, without a workspace.

Every pipelines/*.py file is imported in workspace mode with a recorded ``dp`` (what Lakeflow's
``pyspark.pipelines`` would receive) and the bronze functions are called with a recorded ``spark``:

- each dataset gets exactly the native ``expect_all`` / ``expect_all_or_drop`` / ``expect_all_or_fail``
  decorators its expectations/<dataset>.yml declares (names, constraints, action -> decorator);
- quarantine datasets get none (they are computed from the same rules by plain DataFrame code), and every
  dataset with ``drop`` rules has one;
- bronze reads the landing volume with Auto Loader (``cloudFiles``) at the path the bundle configures;
- the platform is chosen from CALLAUDIT_PLATFORM, the ``callaudit.platform`` configuration key, or
  DATABRICKS_RUNTIME_VERSION, in that order.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import bundle_model as bm
import pytest

from callaudit.lakehouse import expectations as ex
from callaudit.lakehouse import platform as pf
from callaudit.transforms import bronze, schemas

PIPELINES = sorted((bm.ROOT / "pipelines").rglob("*.py"))
DECORATOR_FOR_ACTION = {"warn": "expect_all", "drop": "expect_all_or_drop", "fail": "expect_all_or_fail"}


class Expected:
    """What an ``@dp.expect_all*`` decorator returns here: the function plus the expectations stacked on it."""

    def __init__(self, fn, decorator: str, rules: dict[str, str]):
        self.fn = getattr(fn, "fn", fn)
        self.stack = [*getattr(fn, "stack", []), (decorator, dict(rules))]

    def __call__(self):
        return self.fn()


class RecordedDp:
    """Records table / materialized_view / expect_all* calls the way Lakeflow would receive them."""

    def __init__(self):
        self.datasets: dict[str, dict] = {}

    def _expect(self, decorator: str):
        def factory(rules):
            assert isinstance(rules, dict) and rules, f"{decorator} needs a non-empty {{name: constraint}} dict"
            return lambda fn: Expected(fn, decorator, rules)
        return factory

    @property
    def expect_all(self):
        return self._expect("expect_all")

    @property
    def expect_all_or_drop(self):
        return self._expect("expect_all_or_drop")

    @property
    def expect_all_or_fail(self):
        return self._expect("expect_all_or_fail")

    def _declare(self, kind, name=None, comment=None, **options):
        def register(fn):
            assert name not in self.datasets, f"{name} declared twice"
            self.datasets[name] = {"kind": kind, "comment": comment, "options": options,
                                   "expectations": list(getattr(fn, "stack", [])), "fn": getattr(fn, "fn", fn)}
            return fn
        return register

    def table(self, name=None, comment=None, **options):
        return self._declare("table", name, comment, **options)

    def materialized_view(self, name=None, comment=None, **options):
        return self._declare("materialized_view", name, comment, **options)


class RecordedStream:
    """``spark.readStream`` as a builder that records every call; ``load``/``json`` return it as the DataFrame."""

    def __init__(self):
        self.calls: list[tuple] = []

    def __getattr__(self, method):
        def record(*args, **kwargs):
            self.calls.append((method, *args, *sorted(kwargs.items())))
            return self
        return record


class RecordedConf:
    def __init__(self, values: dict[str, str]):
        self.values = values
        self.asked: list[str] = []

    def get(self, key, default=None):
        self.asked.append(key)
        return self.values.get(key, default)


class RecordedSpark:
    def __init__(self, conf: dict[str, str]):
        self.conf = RecordedConf(conf)
        self.streams: list[RecordedStream] = []

    @property
    def readStream(self):  # noqa: N802 - the Spark API's name
        stream = RecordedStream()
        self.streams.append(stream)
        return stream


def import_pipeline_file(path: Path, spark=None):
    spec = importlib.util.spec_from_file_location(f"_seam_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    module.spark = spark  # Lakeflow and spark-pipelines inject `spark` into definition files
    spec.loader.exec_module(module)
    return module


def declare_all(monkeypatch, platform) -> tuple[RecordedDp, dict[str, Path]]:
    dp = RecordedDp()
    monkeypatch.setattr(pf, "datasets", pf.Datasets(platform=platform, dp=dp))
    origin = {}
    for path in PIPELINES:
        before = set(dp.datasets)
        import_pipeline_file(path)
        new = set(dp.datasets) - before
        assert len(new) == 1, f"{path.name} declares {sorted(new)}: one dataset per file"
        origin[new.pop()] = path
    return dp, origin


@pytest.fixture
def workspace(monkeypatch):
    monkeypatch.setenv("CALLAUDIT_PLATFORM", "workspace")
    assert isinstance(pf.make_platform(), pf.WorkspacePlatform)
    return declare_all(monkeypatch, pf.make_platform())


def test_every_dataset_gets_exactly_the_native_expectations_its_yaml_declares(workspace):
    dp, origin = workspace
    rule_files = ex.load_all()
    assert rule_files, "no expectations/*.yml?"
    checked = 0
    for name, ds in dp.datasets.items():
        assert ds["comment"], f"{name} has no comment"
        declared = rule_files.get(name)
        got = {}
        for decorator, rules in ds["expectations"]:
            assert decorator not in got, f"{name}: {decorator} applied twice"
            got[decorator] = rules
        if name.startswith("quarantine_"):
            assert got == {}, f"{name} is computed from the rules, it must not carry expectations itself"
            continue
        expected = {}
        if declared is not None:
            for action, decorator in DECORATOR_FOR_ACTION.items():
                if declared.by_action(action):
                    expected[decorator] = declared.by_action(action)
        assert got == expected, f"{name} ({origin[name].name})"
        checked += bool(expected)
    # every rules file belongs to a dataset that exists, and is wired to it
    assert set(rule_files) <= set(dp.datasets), sorted(set(rule_files) - set(dp.datasets))
    assert checked == sum(1 for e in rule_files.values() if e.rules)


def test_rules_of_each_action_reach_the_matching_decorator_with_names_and_constraints(workspace):
    """Spelled out on the YAML, rule by rule, so a swapped action or a rewritten constraint cannot hide."""
    dp, _ = workspace
    for name, rules in ex.load_all().items():
        applied = {}
        for decorator, mapping in dp.datasets[name]["expectations"]:
            for rule_name, constraint in mapping.items():
                applied[rule_name] = (decorator, constraint)
        for rule in rules.rules:
            assert applied[rule.name] == (DECORATOR_FOR_ACTION[rule.action], rule.constraint), f"{name}.{rule.name}"
        assert len(applied) == len(rules.rules)


def test_rows_dropped_by_native_expectations_land_in_a_quarantine_dataset(workspace):
    dp, _ = workspace
    for name, rules in ex.load_all().items():
        if rules.by_action("drop"):
            assert rules.quarantine_name in dp.datasets, f"rows dropped from {name} would be lost"
            assert dp.datasets[rules.quarantine_name]["kind"] == "materialized_view"


def test_same_declarations_on_both_platforms_only_the_expectations_differ(monkeypatch):
    local_dp, _ = declare_all(monkeypatch, pf.LocalPlatform())
    workspace_dp, _ = declare_all(monkeypatch, pf.WorkspacePlatform())
    assert {n: (d["kind"], d["options"]) for n, d in local_dp.datasets.items()} == \
           {n: (d["kind"], d["options"]) for n, d in workspace_dp.datasets.items()}
    assert all(not d["expectations"] for d in local_dp.datasets.values())  # the local shim applies them instead
    assert any(d["expectations"] for d in workspace_dp.datasets.values())


def _bundle_configuration(target: str) -> dict[str, str]:
    return bm.resolve(bm.target_resources(target)["pipelines"]["callaudit"]["configuration"], target)


@pytest.mark.parametrize("dataset, folder, schema", [
    ("bronze_calls", "calls", schemas.CALLS_PAGE),
    ("bronze_recordings", "recordings", schemas.RECORDINGS_PAGE),
    ("bronze_media", "media_manifest", schemas.MEDIA_MANIFEST),
])
@pytest.mark.parametrize("target", ["dev", "prod"])
def test_bronze_reads_the_landing_volume_with_auto_loader(workspace, monkeypatch, dataset, folder, schema, target):
    dp, origin = workspace
    conf = _bundle_configuration(target)
    spark = RecordedSpark(conf)
    # The transform after the read is plain DataFrame code tested elsewhere; here we look at the read itself.
    monkeypatch.setattr(bronze, dataset, lambda df: df)
    dp.datasets[dataset]["fn"].__globals__["spark"] = spark  # the freshly imported definition module
    result = dp.datasets[dataset]["fn"]()

    (stream,) = spark.streams
    assert result is stream
    calls = stream.calls
    assert ("format", "cloudFiles") in calls
    assert ("option", "cloudFiles.format", "json") in calls
    assert ("option", "rescuedDataColumn", "_rescued_data") in calls
    assert ("schema", schema) in calls
    expected_path = f"/Volumes/{bm.variables(target)['catalog']}/{bm.resolve('${var.schema}', target)}/landing/{folder}"
    assert calls[-1] == ("load", expected_path)
    assert not any(c[0] == "json" for c in calls), "the local readStream.json path was used"
    assert "callaudit.landing_path" in spark.conf.asked


def test_locally_the_same_bronze_file_reads_plain_json(monkeypatch, tmp_path):
    # No rules here (an empty expectations dir), so the local shim does not wrap the function we call.
    dp = RecordedDp()
    monkeypatch.setattr(pf, "datasets", pf.Datasets(platform=pf.LocalPlatform(), dp=dp, expectations_dir=str(tmp_path)))
    import_pipeline_file(bm.ROOT / "pipelines" / "bronze" / "bronze_calls.py")
    spark = RecordedSpark({"callaudit.landing_path": "/tmp/landing"})
    monkeypatch.setattr(bronze, "bronze_calls", lambda df: df)
    dp.datasets["bronze_calls"]["fn"].__globals__["spark"] = spark
    dp.datasets["bronze_calls"]["fn"]()
    (stream,) = spark.streams
    assert stream.calls[-1] == ("load", "/tmp/landing/calls") and ("format", "json") in stream.calls
    assert ("format", "cloudFiles") not in stream.calls


# ---- choosing the platform ---------------------------------------------------------------------------------------

class _Session:
    def __init__(self, conf):
        self.conf = RecordedConf(conf)


def test_platform_from_the_environment_wins(monkeypatch):
    monkeypatch.setattr(pf, "_session_platform", lambda: "local")
    monkeypatch.setenv("CALLAUDIT_PLATFORM", "workspace")
    assert pf.detect() == "workspace"
    monkeypatch.setenv("CALLAUDIT_PLATFORM", "cloud")
    with pytest.raises(ValueError, match="CALLAUDIT_PLATFORM"):
        pf.detect()


def test_platform_from_the_pipeline_configuration_key(monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.delenv("CALLAUDIT_PLATFORM", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    conf = _bundle_configuration("prod")
    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: _Session(conf)))
    assert pf.detect() == "workspace"
    assert isinstance(pf.make_platform(), pf.WorkspacePlatform)
    local_spec = bm.load(bm.ROOT / "spark-pipeline.yml")["configuration"]
    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: _Session(local_spec)))
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")  # the explicit key beats the inferred runtime
    assert pf.detect() == "local"
    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: _Session({pf.PLATFORM_CONF_KEY: "x"})))
    with pytest.raises(ValueError, match="callaudit.platform"):
        pf.detect()


def test_platform_falls_back_to_the_runtime_then_local(monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.delenv("CALLAUDIT_PLATFORM", raising=False)
    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    assert pf.detect() == "workspace"
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION")
    assert pf.detect() == "local"

    def broken(cls):
        raise RuntimeError("no Connect server")

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(broken))
    assert pf.detect() == "local"  # a session that cannot be asked is no reason to fail an import
