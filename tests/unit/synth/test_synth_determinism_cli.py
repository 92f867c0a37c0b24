"""Same seed -> byte-identical output (whatever the worker count); the CLI teaches and fails readably."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from callaudit_testkit.synth import generate_call_centre
from callaudit_testkit.synth import telephone as tel
from typer.testing import CliRunner

from callaudit.cli import app
from callaudit.errors import UserError
from callaudit.transcription.audio import mulaw_decode, mulaw_encode


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_with_audio(tmp_path):
    a = generate_call_centre(tmp_path / "a", calls=4, days=2, seed=99, start_date="2024-03-04", progress=False,
                             workers=1)
    generate_call_centre(tmp_path / "b", calls=4, days=2, seed=99, start_date="2024-03-04", progress=False,
                             workers=2)
    da, db = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a.audio_files >= 2 and any(k.startswith("media/") for k in da)
    assert da == db
    c = generate_call_centre(tmp_path / "c", calls=4, days=2, seed=100, start_date="2024-03-04", progress=False,
                             workers=2)
    dc = digest(tmp_path / "c")
    assert c.calls == 4
    assert da["calls.jsonl"] != dc["calls.jsonl"]
    assert set(da) != set(dc)  # other sids, other media files
    assert da["agents.csv"] == dc["agents.csv"]


def test_same_seed_gives_identical_metadata_without_audio(tmp_path):
    for name in ("x", "y"):
        s = generate_call_centre(tmp_path / name, calls=300, days=5, seed=5, start_date="2024-01-08", audio=False,
                                 progress=False)
        assert s.audio_files == 0 and s.labels == 0 and s.recordings > 200
    assert digest(tmp_path / "x") == digest(tmp_path / "y")
    assert not list((tmp_path / "x" / "media").iterdir())
    generate_call_centre(tmp_path / "z", calls=300, days=5, seed=6, start_date="2024-01-08", audio=False,
                         progress=False)
    assert digest(tmp_path / "z")["calls.jsonl"] != digest(tmp_path / "x")["calls.jsonl"]


def test_regenerating_replaces_previous_output(tmp_path):
    out = tmp_path / "data"
    generate_call_centre(out, calls=40, days=2, seed=1, start_date="2024-01-08", audio=False, progress=False)
    generate_call_centre(out, calls=5, days=2, seed=1, start_date="2024-01-08", audio=False, progress=False)
    assert json.loads((out / "manifest.json").read_text())["calls"] == 5
    assert sum(1 for line in (out / "calls.jsonl").read_text().splitlines()
               if json.loads(line)["parent_call_sid"] is None) == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left behind


def test_refuses_to_replace_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not written by `callaudit synth`"):
        generate_call_centre(tmp_path, calls=3, days=1, seed=1, audio=False, progress=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("kwargs, message", [
    (dict(calls=0, days=1), "--calls"),
    (dict(calls=3, days=0), "--days"),
    (dict(calls=3, days=1, start_date="06/05/2024"), "YYYY-MM-DD"),
])
def test_bad_arguments_are_user_errors(tmp_path, kwargs, message):
    with pytest.raises(UserError, match=message):
        generate_call_centre(tmp_path / "o", seed=1, audio=False, progress=False, **kwargs)


def test_window_ends_yesterday_by_default(tmp_path):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).date()
    s = generate_call_centre(tmp_path / "o", calls=20, days=3, seed=1, audio=False, progress=False)
    after = dt.datetime.now(dt.UTC).date()
    assert s.start_date in {(d - dt.timedelta(days=3)).isoformat() for d in (before, after)}


# ---- CLI ----------------------------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_generates_and_prints_a_summary(tmp_path):
    out = tmp_path / "twilio_data"
    result = runner.invoke(app, ["synth", "--calls", "30", "--days", "2", "--seed", "3", "--out", str(out),
                                 "--no-audio", "--start-date", "2024-05-06", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "recordings" in result.output and "scenarios" in result.output and "parent status" in result.output
    assert "inbound" in result.output and "completed" in result.output  # nothing swallowed as rich markup
    assert (out / "calls.jsonl").is_file() and (out / "agents.csv").is_file()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3


def test_cli_help_teaches_with_an_example():
    result = runner.invoke(app, ["synth", "--help"])
    assert result.exit_code == 0
    assert "callaudit synth --calls 50" in result.output and "--no-audio" in result.output


def test_cli_reports_errors_without_traceback(tmp_path):
    result = runner.invoke(app, ["synth", "--calls", "3", "--out", str(tmp_path / "o"), "--no-audio",
                                 "--start-date", "yesterday", "-q"])
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.output and "Traceback" not in result.output


# ---- telephone chain and deterministic speech ---------------------------------------------------------------------
def test_mulaw_is_g711():
    x = np.arange(-32768, 32768, dtype=np.int16)
    codes = mulaw_encode(x)
    assert codes[32768] == 0xFF  # 0 -> 0xFF
    assert codes[-1] == 0x80 and codes[0] == 0x00  # full scale
    y = mulaw_decode(codes)
    big = np.abs(x.astype(int)) > 1000
    rel = np.abs(y.astype(int) - x.astype(int))[big] / np.abs(x.astype(int))[big]
    assert rel.max() < 0.04  # 8-bit log companding: about 3.5 % worst-case step
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop  # the CPython reference implementation (present on 3.11/3.12)
    assert codes.tobytes() == audioop.lin2ulaw(x.tobytes(), 2)
    assert mulaw_decode(np.arange(256, dtype=np.uint8)).tobytes() == audioop.ulaw2lin(bytes(range(256)), 2)


def test_bandpass_keeps_voice_band_and_cuts_outside():
    t = np.arange(8000) / 8000.0
    level = {f: tel.rms_dbfs(tel.bandpass(np.sin(2 * np.pi * f * t).astype(np.float32))[2000:])
             for f in (100, 1000, 3800)}
    assert level[1000] > -4
    assert level[100] < level[1000] - 20 and level[3800] < level[1000] - 15


def test_resample_to_8k_length():
    assert tel.resample_to_8k(np.zeros(22050, np.int16), 22050).size == 8000


def _speak_batches(_):
    from callaudit_testkit.synth import tts

    a = ("Buenos días, habla con Andrés.", "es-419+m3", 160, 45)
    b = ("Sí, claro.", "es-419+f2", 150, 60)
    first = tts.speak_many([a, b])
    other = tts.speak_many([b, a, b])  # changes espeak-ng's internal state in a plain process
    again = tts.speak_many([a, b])
    return [x.tobytes() for x in first], [x.tobytes() for x in other], [x.tobytes() for x in again]


def test_speak_many_same_batch_same_samples():
    # in fresh processes: speak_many refuses to run where speak() was already used
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        first, other, again = pool.map(_speak_batches, [0])[0]
    with ctx.Pool(1) as pool:
        first_elsewhere = pool.map(_speak_batches, [0])[0][0]
    assert first == again == first_elsewhere
    assert other[0] != first[1] or other[1] != first[0]  # in a batch, position matters (espeak-ng state)
    assert len(first[0]) > 8000 and len(first[1]) > 2000
