"""The bundle (databricks.yml + resources/*.yml), offline.

1. The real ``check-jsonschema`` CLI validates every file against the bundle JSON schema (vendored in
   tests/data/databricks/) and rejects copies with typical mistakes.
2. What the schema cannot see: variables declared and assigned, resource references, the pipeline glob against the
   pipelines/ folder, configuration keys against what the dataset code reads, secrets, the job's task chain and
   schedule, the wheel entry point against the real CLI, triggered-vs-continuous.

What only a workspace can confirm is listed in docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import bundle_model as bm
import yaml
from packaging.specifiers import SpecifierSet

from callaudit.lakehouse import catalog

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
TYPE_SUFFIX = {"pipeline": "pipelines", "job": "jobs", "dashboard": "dashboards", "volume": "volumes"}
# Serverless environment version -> its Python (docs.databricks.com release notes, serverless environment versions).
SERVERLESS_PYTHON = {"2": "3.11.10", "3": "3.12.3", "4": "3.12.3"}


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    # Default regex variant on purpose: the schema uses \p{L}, which the python variant rejects.
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(bm.SCHEMA_FILE), *map(str, files)],
                          capture_output=True, text=True, timeout=60)


# ---- 1. JSON schema ---------------------------------------------------------------------------------------------

def test_every_bundle_file_validates_against_the_bundle_schema():
    files = [bm.BUNDLE_FILE, *bm.resource_files()]
    assert {p.name for p in files} >= {"databricks.yml", "callaudit.pipeline.yml", "callaudit_daily.job.yml",
                                       "call_quality.dashboard.yml", "landing.volume.yml"}
    result = check_jsonschema(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def _mutate(doc: dict, dotted: str, value=None, *, rename: str | None = None) -> None:
    *parents, last = dotted.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if rename is not None:
        node[rename] = node.pop(last)
    else:
        node[last] = value


# (file, path, new value or None, rename to) — each a mistake a person could make and the schema must catch.
MISTAKES = [
    ("callaudit_daily.job.yml", "resources.jobs.callaudit_daily.schedule", None, "shedule"),
    ("callaudit_daily.job.yml", "resources.jobs.callaudit_daily.tasks.0.max_retries", "three", None),
    ("callaudit_daily.job.yml", "resources.jobs.callaudit_daily.schedule.pause_status", "STOPPED", None),
    ("callaudit.pipeline.yml", "resources.pipelines.callaudit.serverless", None, "serverles"),
    ("callaudit.pipeline.yml", "resources.pipelines.callaudit.continuous", "sometimes", None),
    ("call_quality.dashboard.yml", "resources.dashboards.call_quality.file_path", None, "filepath"),
    ("databricks.yml", "targets.prod.run_as", {"service_principal": "x"}, None),
]


def test_check_jsonschema_rejects_misspelled_keys_and_wrong_types(tmp_path):
    bad_files = []
    for i, (name, dotted, value, rename) in enumerate(MISTAKES):
        source = bm.BUNDLE_FILE if name == "databricks.yml" else bm.RESOURCES_DIR / name
        doc = yaml.safe_load(source.read_text())
        before = yaml.safe_dump(doc)
        _mutate(doc, dotted, value, rename=rename)
        assert yaml.safe_dump(doc) != before
        bad = tmp_path / f"mistake{i}_{name}"
        bad.write_text(yaml.safe_dump(doc, sort_keys=False))
        bad_files.append(bad)
    result = check_jsonschema(*bad_files)
    assert result.returncode != 0
    for bad in bad_files:  # every broken copy is reported, not just the first
        assert f"{bad}::" in result.stdout, f"{bad.name} was not rejected:\n{result.stdout}"


# ---- 2. cross-checks -------------------------------------------------------------------------------------------

def test_every_variable_used_is_declared_and_every_declared_variable_is_used():
    declared = set(bm.bundle()["variables"])
    used = set()
    for name, doc in bm.all_documents().items():
        for where, text in bm.strings(doc):
            for ref in bm.REF.findall(text):
                if ref.startswith("var."):
                    assert ref[4:] in declared, f"{name}{where}: ${{{ref}}} is not declared in databricks.yml"
                    used.add(ref[4:])
    assert declared == used, f"declared but never used: {sorted(declared - used)}"
    for tname, t in bm.bundle()["targets"].items():
        unknown = set(t.get("variables") or {}) - declared
        assert not unknown, f"target {tname} sets undeclared variables {sorted(unknown)}"


def test_variables_without_a_value_are_documented_as_per_deploy_inputs():
    deployment_doc = (bm.ROOT / "docs" / "DEPLOYMENT.md").read_text()
    for tname in bm.bundle()["targets"]:
        values = bm.variables(tname)
        for name in set(bm.bundle()["variables"]) - set(values):
            assert f"BUNDLE_VAR_{name}" in deployment_doc, (
                f"{name} has no value in target {tname}: docs/DEPLOYMENT.md must say how to supply it")
    # prod has exactly the inputs a deployer must bring; dev works with a workspace login and a warehouse id
    assert set(bm.bundle()["variables"]) - set(bm.variables("prod")) == {
        "warehouse_id", "alert_email", "service_principal_id"}
    assert set(bm.bundle()["variables"]) - set(bm.variables("dev")) == {"warehouse_id"}


def test_resource_references_point_at_defined_resources():
    defined = bm.resources()
    seen = 0
    for name, doc in bm.all_documents().items():
        for where, text in bm.strings(doc):
            for ref in bm.REF.findall(text):
                if ref.startswith("resources."):
                    _, kind, key, field = ref.split(".", 3)
                    assert key in defined.get(kind, {}), f"{name}{where}: ${{{ref}}} refers to nothing"
                    assert field in {"id", "name"}, ref
                    seen += 1
    assert seen >= 1


def test_one_resource_per_file_and_the_suffix_names_its_type():
    for path in bm.resource_files():
        stem, suffix, ext = path.name.rsplit(".", 2)
        assert ext == "yml" and suffix in TYPE_SUFFIX, path.name
        items = [(kind, key) for kind, group in bm.load(path)["resources"].items() for key in group]
        assert items == [(TYPE_SUFFIX[suffix], stem)], f"{path.name} defines {items}"


def _git_ignored(paths: list[Path]) -> set[Path]:
    """What `bundle deploy` would not upload (the CLI's sync honours .gitignore)."""
    if not paths:
        return set()
    out = subprocess.run(["git", "check-ignore", "--stdin"], input="\n".join(map(str, paths)), text=True,
                         capture_output=True, cwd=bm.ROOT)
    return {Path(line) for line in out.stdout.splitlines()}


def test_the_pipeline_glob_picks_up_exactly_the_dataset_files():
    _, pipeline = bm.the_pipeline()
    (library,) = pipeline["libraries"]
    pattern = library["glob"]["include"]
    assert pattern.endswith("/**"), "Lakeflow and spark-pipelines accept `dir/**`, not `dir/**/*.py`"
    folder = (bm.RESOURCES_DIR / pattern[: -len("/**")]).resolve()
    assert folder == bm.ROOT / "pipelines"
    candidates = [p for p in folder.rglob("*") if p.is_file()]
    uploaded = sorted(set(candidates) - _git_ignored(candidates))
    assert uploaded, "the glob matches nothing"
    # one dataset per file, each in its layer's folder (pipelines/bronze|silver|gold|marts/<name>.py)
    assert all(p.suffix == ".py" and p.parent.parent == folder and p.parent.name in catalog.LAYERS
               for p in uploaded), uploaded
    # the local spec globs the same folder
    local = yaml.safe_load((bm.ROOT / "spark-pipeline.yml").read_text())
    assert [lib["glob"]["include"] for lib in local["libraries"]] == ["pipelines/**"]
    # the dataset files are what the seam test imports one by one: each declares a dataset (see
    # test_databricks_workspace_seam.py), so a stray helper module here would fail there.


def test_pipeline_configuration_carries_every_key_the_dataset_code_reads():
    from callaudit.config import Settings
    from callaudit.lakehouse.platform import PLATFORM_CONF_KEY
    from callaudit.lakehouse.runner import pipeline_configuration

    local_keys = set(pipeline_configuration(Settings(home=Path("/tmp/x"), cache=Path("/tmp/c"))))
    _, pipeline = bm.the_pipeline()
    for tname in bm.bundle()["targets"]:
        conf = bm.resolve(bm.target_resources(tname)["pipelines"]["callaudit"]["configuration"], tname)
        assert local_keys <= set(conf), f"{tname}: missing {sorted(local_keys - set(conf))}"
        assert all(isinstance(v, str) for v in conf.values()), "pipeline configuration is a string map"
        assert conf[PLATFORM_CONF_KEY] == "workspace"
        assert conf["callaudit.transcription.engine"] in {"whisper", "azure"}
        assert conf["callaudit.scorecard_path"] == f"{bm.WORKSPACE_FILE_PATH}/scorecards/callaudit_v2.yml"
        assert (bm.ROOT / "scorecards" / "callaudit_v2.yml").is_file()


def test_landing_path_is_the_managed_volume_and_ingest_writes_where_bronze_reads():
    for tname in bm.bundle()["targets"]:
        res = bm.target_resources(tname)
        volume = bm.resolve(res["volumes"]["landing"], tname)
        pipeline = bm.resolve(res["pipelines"]["callaudit"], tname)
        volume_path = f"/Volumes/{volume['catalog_name']}/{volume['schema_name']}/{volume['name']}"
        assert (volume["catalog_name"], volume["schema_name"]) == (pipeline["catalog"], pipeline["schema"])
        assert pipeline["configuration"]["callaudit.landing_path"] == volume_path
        ingest = next(t for t in bm.resolve(res["jobs"]["callaudit_daily"], tname)["tasks"] if t["task_key"] == "ingest")
        params = ingest["python_wheel_task"]["parameters"]
        assert params[params.index("--landing") + 1] == volume_path
    assert bm.target_resources("prod")["volumes"]["landing"]["lifecycle"]["prevent_destroy"] is True


def test_azure_secrets_are_referenced_from_the_scope_exactly_where_the_engine_needs_them():
    from callaudit.secrets import DEFAULT_SCOPE, SECRET_KEYS

    assert bm.bundle()["variables"]["secret_scope"]["default"] == DEFAULT_SCOPE
    secret_ref = re.compile(r"^\{\{secrets/([^/]+)/([^/]+)\}\}$")
    for tname in bm.bundle()["targets"]:
        conf = bm.resolve(bm.target_resources(tname)["pipelines"]["callaudit"]["configuration"], tname)
        refs = {k: secret_ref.match(v).groups() for k, v in conf.items() if "{{secrets/" in v}
        engine = conf["callaudit.transcription.engine"]
        if engine == "azure":
            assert refs == {
                "callaudit.transcription.azure_speech_key": (DEFAULT_SCOPE, SECRET_KEYS["AZURE_SPEECH_KEY"]),
                "callaudit.transcription.azure_speech_region": (DEFAULT_SCOPE, SECRET_KEYS["AZURE_SPEECH_REGION"]),
            }, tname
        else:  # a target that does not use Azure must not depend on secrets it may not have
            assert refs == {}, tname
    assert bm.variables("prod")["transcription_engine"] == "azure"
    assert bm.variables("dev")["transcription_engine"] == "whisper"
    # no literal secret-looking values anywhere in the bundle
    for name, doc in bm.all_documents().items():
        for where, text in bm.strings(doc):
            assert not re.search(r"\bAC[0-9a-f]{32}\b", text), f"{name}{where} holds an account SID"


def test_job_runs_ingest_then_pipeline_then_validate_then_alerts():
    key, job = bm.the_job()
    tasks = job["tasks"]
    assert [t["task_key"] for t in tasks] == ["ingest", "refresh_pipeline", "validate", "alerts"]
    previous = None
    for task in tasks:
        deps = [d["task_key"] for d in task.get("depends_on", [])]
        assert deps == ([previous] if previous else []), f"{task['task_key']} depends on {deps}"
        assert task.get("run_if", "ALL_SUCCESS") == "ALL_SUCCESS"
        assert task["max_retries"] >= 1 and task["min_retry_interval_millis"] >= 60_000, task["task_key"]
        assert 0 < task["timeout_seconds"] <= job["timeout_seconds"], task["task_key"]
        previous = task["task_key"]
    (pipeline_task,) = [t for t in tasks if "pipeline_task" in t]
    pipeline_key, _ = bm.the_pipeline()
    assert pipeline_task["pipeline_task"]["pipeline_id"] == f"${{resources.pipelines.{pipeline_key}.id}}"
    assert pipeline_task["pipeline_task"].get("full_refresh") is False
    assert job["email_notifications"]["on_failure"] == ["${var.alert_email}"]
    assert job["max_concurrent_runs"] == 1


def test_schedule_is_six_in_the_morning_colombia_time_every_day():
    _, job = bm.the_job()
    schedule = job["schedule"]
    assert schedule["timezone_id"] == "America/Bogota"
    # Quartz: seconds minutes hours day-of-month month day-of-week
    seconds, minutes, hours, dom, month, dow = schedule["quartz_cron_expression"].split()
    assert (seconds, minutes, hours) == ("0", "0", "6")
    assert (dom, month, dow) == ("*", "*", "?")
    assert "trigger" not in job and "continuous" not in job  # one trigger only
    # 06:00 in Bogotá is 11:00 UTC (Colombia has no daylight saving time)
    six = datetime(2026, 7, 1, 6, tzinfo=ZoneInfo("America/Bogota"))
    assert six.astimezone(ZoneInfo("UTC")).hour == 11


def test_the_pipeline_a_job_triggers_is_never_continuous():
    """Databricks runs only triggered pipelines in a job's pipeline_task ("Continuous pipelines are not supported
    as a job task"), and in development mode the CLI forces continuous: false anyway."""
    pipeline_key, _ = bm.the_pipeline()
    for tname in bm.bundle()["targets"]:
        res = bm.target_resources(tname)
        triggered_by_jobs = {t["pipeline_task"]["pipeline_id"] for job in res["jobs"].values()
                             for t in job["tasks"] if "pipeline_task" in t}
        assert f"${{resources.pipelines.{pipeline_key}.id}}" in triggered_by_jobs
        assert res["pipelines"][pipeline_key].get("continuous", False) is False, tname
        assert res["pipelines"][pipeline_key]["serverless"] is True


def test_live_runs_the_pipeline_in_a_continuous_job_and_ingests_every_five_minutes():
    """The near-real-time deployment: Databricks' recommended continuous job around the (triggered) pipeline,
    ingest and alerts every 5 minutes, the daily job paused; and only `live` has these jobs."""
    res = bm.target_resources("live")
    live = res["jobs"]["callaudit_live"]
    assert live["continuous"] == {"pause_status": "UNPAUSED"} and "schedule" not in live and "trigger" not in live
    (task,) = live["tasks"]
    assert task["pipeline_task"]["pipeline_id"] == "${resources.pipelines.callaudit.id}"
    assert res["pipelines"]["callaudit"].get("continuous", False) is False
    daily = res["jobs"]["callaudit_daily"]
    assert daily["schedule"]["pause_status"] == "PAUSED"
    assert daily["schedule"]["quartz_cron_expression"] == bm.resources()["jobs"]["callaudit_daily"]["schedule"][
        "quartz_cron_expression"]
    ingest = res["jobs"]["callaudit_live_ingest"]
    assert ingest["trigger"] == {"pause_status": "UNPAUSED", "periodic": {"interval": 5, "unit": "MINUTES"}}
    assert ingest["max_concurrent_runs"] == 1
    assert [t["task_key"] for t in ingest["tasks"]] == ["ingest", "alerts"]
    (env,) = ingest["environments"]
    (wheel,) = env["spec"]["dependencies"]
    assert (bm.ROOT / wheel).parent.resolve() == bm.ROOT / "dist"  # relative to databricks.yml
    for tname in ("dev", "prod"):
        assert set(bm.target_resources(tname)["jobs"]) == {"callaudit_daily"}, tname
    prod, live_target = bm.target("prod"), bm.target("live")
    assert live_target["mode"] == "production" and live_target["run_as"] == prod["run_as"]
    assert live_target["permissions"] == prod["permissions"]
    assert live_target["resources"]["pipelines"] == prod["resources"]["pipelines"]  # same engine and secrets


def test_targets_dev_is_personal_development_prod_is_pinned_and_runs_as_a_service_principal():
    dev, prod = bm.target("dev"), bm.target("prod")
    assert dev["mode"] == "development" and dev.get("default") is True
    assert "${workspace.current_user.short_name}" in dev["variables"]["schema"]
    assert prod["mode"] == "production" and not prod.get("default")
    assert prod["workspace"]["root_path"].startswith("/Workspace/") and "${bundle.target}" in prod["workspace"]["root_path"]
    assert prod["run_as"] == {"service_principal_name": "${var.service_principal_id}"}
    levels = {p["level"] for p in prod["permissions"]}
    assert "CAN_MANAGE" in levels and levels <= {"CAN_MANAGE", "CAN_VIEW", "CAN_RUN"}
    assert bm.variables("dev")["catalog"] and bm.variables("prod")["schema"] != bm.variables("dev")["schema"]


def test_wheel_tasks_run_the_project_console_script_from_the_bundle_built_wheel():
    project = tomllib.loads((bm.ROOT / "pyproject.toml").read_text())["project"]
    (artifact,) = bm.bundle()["artifacts"].values()
    assert artifact["type"] == "whl" and "wheel" in artifact["build"] and "dist" in artifact["build"]
    _, job = bm.the_job()
    environments = {e["environment_key"]: e["spec"] for e in job["environments"]}
    wheel_tasks = [t for t in job["tasks"] if "python_wheel_task" in t]
    assert len(wheel_tasks) == 3
    for task in wheel_tasks:
        wt = task["python_wheel_task"]
        assert wt["package_name"] == project["name"]
        assert project["scripts"][wt["entry_point"]] == "callaudit.cli:main"
        spec = environments[task["environment_key"]]
        assert spec["dependencies"] == ["../dist/*.whl"]
        assert (bm.RESOURCES_DIR / "../dist").resolve() == bm.ROOT / "dist"
        # the serverless environment's Python (Databricks release notes) must be one the project supports
        python = SERVERLESS_PYTHON[spec["environment_version"]]
        assert SpecifierSet(project["requires-python"]).contains(python), (python, project["requires-python"])


def test_wheel_task_parameters_parse_with_the_real_cli():
    import typer

    from callaudit.cli import app

    group = typer.main.get_command(app)
    seen = set()
    for tname in bm.bundle()["targets"]:
        jobs = bm.target_resources(tname)["jobs"]  # the daily job, and in `live` the periodic ingest job
        for task in (t for job in jobs.values() for t in bm.resolve(job, tname)["tasks"]):
            if "python_wheel_task" not in task:
                continue
            params = list(task["python_wheel_task"]["parameters"])
            ctx = group.make_context("callaudit", params)  # global options (--catalog/--schema/--home) first
            # click keeps the subcommand name apart from its arguments (`_protected_args` since 8.2)
            head = getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])
            name, sub, rest = group.resolve_command(ctx, [*head, *ctx.args])
            assert sub is not None, f"{task['task_key']}: `callaudit {name}` does not exist"
            sub_ctx = sub.make_context(name, list(rest), parent=ctx)  # raises on unknown options or bad values
            assert sub_ctx.params, name
            if name in ("validate", "alerts"):  # readers of gold must read Unity Catalog in a workspace
                assert ctx.params["catalog"] and ctx.params["schema"], task["task_key"]
            if name == "alerts":  # the digest state must live on the volume, not the task's disk
                assert ctx.params["home"].startswith("/Volumes/"), ctx.params["home"]
            seen.add(name)
    assert seen == {"ingest", "validate", "alerts"}


def test_dashboard_resource_points_at_the_file_and_is_repointed_per_target():
    ((key, dash),) = bm.resources()["dashboards"].items()
    path = (bm.RESOURCES_DIR / dash["file_path"]).resolve()
    assert path.is_file() and path.name.endswith(".lvdash.json") and path.parent == bm.ROOT / "dashboards"
    assert dash["warehouse_id"] == "${var.warehouse_id}"
    _, pipeline = bm.the_pipeline()
    # the dashboard reads the catalog.schema the pipeline writes
    assert (dash["dataset_catalog"], dash["dataset_schema"]) == (pipeline["catalog"], pipeline["schema"])
    assert bm.bundle()["bundle"]["databricks_cli_version"].startswith(">= 0.281")
