"""docs/BENCHMARKS.md is generated: summaries come from the run's figures, sections not run are kept."""

from __future__ import annotations

from callaudit_testkit.bench.cli import transcription_summary, write_markdown


def _results(rtf_base: float, rtf_new: float) -> dict:
    def entry(rtf, agent, customer, at_once=1):
        return {"synthetic": {"rtf": rtf, "audio_seconds": 433.0, "concurrent_calls": at_once,
                              "wer": {"agent": agent, "customer": customer}},
                "human": {"wer": 0.12}}

    return {"configs": {"baseline": entry(rtf_base, 0.43, 0.41), "default": entry(rtf_new, 0.42, 0.40),
                        "pipeline-baseline": entry(0.1, 0.43, 0.41, 2), "pipeline": entry(0.08, 0.42, 0.41, 2)},
            "processes": {"default": {"cpu_isa": ["AVX512"]}, "baseline": {"cpu_isa": ["ctranslate2's choice"]}},
            "peak_rss_mb": 800, "model_loads": 1}


def test_transcription_summary_is_written_from_the_figures():
    text = transcription_summary(_results(0.12, 0.096))
    assert "| default | AVX512 | 1 | 0.096 | 1.25x | 0.420 | 0.400 | 0.120 | — |" in text
    assert "| pipeline | - | 2 | 0.080 | 1.25x |" in text
    assert "433 s of call" in text


def test_summaries_regenerate_and_sections_not_run_are_kept(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    info = ["- date: today"]
    write_markdown({"transcription": ("RTF 0.096", ["cmd-t"]), "ingest": ("21,000 records/s", ["cmd-i"])}, out, info,
                   {"transcription": transcription_summary(_results(0.12, 0.096))})
    first = out.read_text()
    assert "<!-- transcription-summary -->" in first and "0.096" in first and "21,000 records/s" in first
    # a later run of the transcription section alone replaces its summary and section, keeps ingest
    write_markdown({"transcription": ("RTF 0.090", ["cmd-t"])}, out, info,
                   {"transcription": transcription_summary(_results(0.12, 0.090))})
    second = out.read_text()
    assert "0.096" not in second and "| 0.090 | 1.33x |" in second and "21,000 records/s" in second
    assert second.count("<!-- transcription-summary -->") == 1
    # a run of another section keeps the transcription summary as it was
    write_markdown({"ingest": ("22,000 records/s", ["cmd-i"])}, out, info, {})
    third = out.read_text()
    assert "| 0.090 | 1.33x |" in third and "22,000 records/s" in third and "21,000" not in third


def test_pipeline_summary_shares_are_computed_from_the_runs():
    from callaudit_testkit.bench.cli import pipeline_summary
    from callaudit_testkit.bench.pipeline import PipelineBenchResult, RunFigure

    r = PipelineBenchResult(calls=100_000, new_calls=1_000, tables=33, runs=[
        RunFigure("initial build", 100.0, 17.0, 3 * 2**30, True, setup_seconds=13.0, flow_seconds=70.0),
        RunFigure("no-op, checked", 0.05, 0.0, 0, True),
        RunFigure("no-op through Spark", 90.0, 17.0, 2 * 2**30, True, setup_seconds=33.0, flow_seconds=40.0),
        RunFigure("incremental (+1%)", 95.0, 17.0, 2 * 2**30, True, 27, setup_seconds=30.0, flow_seconds=48.0),
        RunFigure("reviews only", 40.0, 17.0, 2 * 2**30, True, 5),
        RunFigure("full refresh", 100.0, 17.0, 3 * 2**30, True, setup_seconds=35.0, flow_seconds=48.0)])
    text = pipeline_summary(r)
    assert "| no-op, checked | none | 0.050 | 0.1% | not started | — | — | — |" in text
    assert "| no-op through Spark | all 33 | 90.0 | 90.0% | 17.0 s | 33.0 s | 40.0 s | 2.00 GiB |" in text
    assert "| reviews only | 5 | 40.0 | 40.0% | 17.0 s | — | — | 2.00 GiB |" in text  # phases not seen: a dash
    assert "minus the no-op through Spark: +5.0% of a full refresh" in text
    assert "spent 50% of a full refresh" in text and "1.00 s per table" in text  # (17 + 33) / 100; 33 s / 33
    lines = r.lines()
    assert any("no-op / full refresh: checked 0.1%, through Spark 90.0%" in line for line in lines)
    assert any("no-op through Spark" in line and "start-up 17.0s, set-up 33.0s, flows 40.0s" in line for line in lines)
    assert any("50.0s = 50.0% of a full refresh; 1.00s of set-up per table" in line for line in lines)


def test_satisfaction_summary_is_written_from_the_evaluation():
    from callaudit_testkit.bench.satisfaction import summary

    from callaudit.satisfaction.model import Evaluation

    result = Evaluation(n_surveyed=100, n_train=70, n_test=30, mae=1.234, mae_baseline=2.5, spearman=0.61,
                        coverage=0.8333, half_width=1.9)
    text = summary(result, 400)
    assert "| 30 | 70 | 1.23 | 2.50 | 0.61 | 83.3 % | 1.90 |" in text and "400 calls" in text
    few = summary(Evaluation(n_surveyed=5, n_train=4, n_test=1, note="muy pocas encuestas"), 12)
    assert "muy pocas encuestas" in few and "|" not in few


def test_scoring_summary_puts_both_udfs_side_by_side():
    from callaudit_testkit.bench.cli import scoring_summary
    from callaudit_testkit.bench.scoring_udf import ScoringUdfResult

    text = scoring_summary(ScoringUdfResult(10_000, pandas_seconds=5.0, rowwise_seconds=10.0, partitions=2, rounds=2))
    assert "| row-at-a-time (baseline) | 10.0 | 1,000 | 1.00x |" in text
    assert "| pandas (`score_call`) | 5.0 | 2,000 | 2.00x |" in text
    assert "Without scoring" not in text  # no floor measured: nothing claimed about it

    floor = ScoringUdfResult(10_000, pandas_seconds=8.0, rowwise_seconds=8.4, partitions=2, rounds=2,
                             pandas_floor_seconds=2.0, rowwise_floor_seconds=2.5)
    text = scoring_summary(floor)
    assert "5,000 calls/s through a pandas UDF and 4,000 through a row-at-a-time one" in text
    assert "the scorer is 75% of the pandas UDF's time" in text  # (8 - 2) / 8
    lines = floor.lines()
    assert "  pandas UDF:        2.00s = 5,000 calls/s" in lines
    assert any("scoring is 75% of the pandas UDF's time (1.20 ms of a core per call, 2 partitions busy)" in line
               for line in lines)  # 6 s / 10,000 calls * 2 partitions


def test_demo_bench_reads_the_demos_own_timings_and_fills_gaps():
    from callaudit_testkit.bench.demo import _STEP, _TIMINGS, DemoBenchResult, DemoRun

    line = _TIMINGS.findall("…\ntimings: synth 2s, ingest 0s, pipeline 178s, report 38s\nnext: …")[-1]
    steps = {k: float(v) for k, v in _STEP.findall(line)}
    assert steps == {"synth": 2.0, "ingest": 0.0, "pipeline": 178.0, "report": 38.0}
    result = DemoBenchResult(12, 3, 7, [DemoRun("first run", 219.7, 5 * 2**30, steps, 4 * 2**30),
                                         DemoRun("again, nothing new", 31.4, 2**30, {}, 2**29)])
    text = result.summary()
    assert "| first run | 219.7 | 2 s | 0 s | 178 s | 38 s | 4.00 GiB | 5.00 GiB |" in text
    assert "| again, nothing new | 31.4 | — | — | — | — | 0.50 GiB | 1.00 GiB |" in text


def test_tree_memory_counts_a_page_shared_by_a_fork_once_in_pss():
    """A parent that fills 200 MiB and forks: RSS summed over the tree counts the shared pages twice, PSS once."""
    import subprocess
    import sys

    from callaudit_testkit.bench.pipeline import TreeMemorySampler

    script = ("import os, time\n"
              "block = bytearray(200 * 2**20)\n"
              "for i in range(0, len(block), 4096): block[i] = 1\n"
              "pid = os.fork()\n"
              "time.sleep(1.5)\n"
              "if pid: os.waitpid(pid, 0)\n")
    proc = subprocess.Popen([sys.executable, "-c", script])
    with TreeMemorySampler(proc.pid, interval=0.1) as sampler:
        proc.wait()
    mib = 2**20
    assert sampler.peak > 380 * mib  # two processes, each with the 200 MiB resident
    assert 190 * mib < sampler.peak_pss < sampler.peak - 150 * mib  # the shared 200 MiB counted once


def test_demo_bench_refuses_a_lakehouse_that_is_not_empty(tmp_path):
    import pytest
    from callaudit_testkit.bench.demo import run

    (tmp_path / "warehouse").mkdir()
    with pytest.raises(ValueError, match="not empty"):
        run(tmp_path)


def test_maintenance_lines_compare_the_runs_before_and_after():
    from callaudit_testkit.bench.maintenance import MaintenanceBenchResult

    r = MaintenanceBenchResult(calls=10_000, updates=4, per_update=10, files=(300, 40), mb=(12.0, 3.0),
                               live_files=40, maintain_seconds=30.0, still_current=True, report_lines=["t ..."],
                               runs={"initial build": 100.0, "no-op through Spark, unmaintained": 80.0,
                                     "no-op through Spark, maintained": 60.0})
    text = "\n".join(r.lines())
    assert "data files 300 -> 40 (the current versions read 40), 12.0 -> 3.0 MB" in text
    assert "after / before maintenance: 0.75x (-20.0s)" in text and "UP_TO_DATE" in text


def test_run_settings_variants_are_parsed_and_a_bad_pair_is_refused():
    import pytest
    from callaudit_testkit.bench.run_settings import DEFAULT_VARIANTS, _variant

    assert _variant(["aqe-off", "spark.sql.adaptive.enabled=false"]) == (
        "aqe-off", {"spark.sql.adaptive.enabled": "false"})
    assert _variant(["baseline"]) == ("baseline", {})
    with pytest.raises(SystemExit, match="not KEY=VALUE"):
        _variant(["broken", "spark.sql.adaptive.enabled"])
    # a baseline first and last: their spread is the noise every other variant is read against
    assert DEFAULT_VARIANTS[0][1] == {} and DEFAULT_VARIANTS[-1][1] == {}
