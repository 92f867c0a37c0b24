"""WAV layout and ground-truth labels: true to the audio, true to the Twilio channel layout."""

from __future__ import annotations

import json
import re
import wave

from callaudit_testkit.synth import phrases as P
from callaudit_testkit.synth.pii import luhn_valid
from callaudit_testkit.synth.telephone import rms_dbfs

from callaudit.transcription.audio import read_pcm16

DIGIT = {w: str(i) for i, w in enumerate(P.DIGIT_WORDS)}


def overlaps(turn: dict, turns: list[dict]) -> bool:
    return any(o is not turn and o["speaker"] != turn["speaker"] and o["start"] < turn["end"]
               and turn["start"] < o["end"] for o in turns)


def test_every_completed_recording_has_a_wav_and_a_label(synth_dir, recordings, labels):
    completed = {r["sid"]: r for r in recordings if r["status"] == "completed"}
    media = {p.stem for p in (synth_dir / "media").glob("RE*.wav")}
    assert media == set(completed)
    assert {lab["recording_sid"] for lab in labels} == set(completed)
    for lab in labels:
        assert completed[lab["recording_sid"]]["call_sid"] == lab["call_sid"]
    assert not list((synth_dir / "media").glob("*.part"))


def test_wav_format_and_length_match_the_recording(synth_dir, recordings):
    for r in recordings:
        path = synth_dir / "media" / f"{r['sid']}.wav"
        if r["status"] != "completed":
            assert not path.exists()
            continue
        with wave.open(str(path), "rb") as w:
            assert w.getframerate() == 8000 and w.getsampwidth() == 2
            assert w.getnchannels() == r["channels"]
            assert w.getnframes() == int(r["duration"]) * 8000
        x, _ = read_pcm16(path)
        assert abs(x.astype(int)).max() < 32000, "speech must not clip"


def test_speech_is_on_the_speakers_channel(synth_dir, labels):
    checked = {"agent": 0, "customer": 0}
    layouts = set()
    for lab in labels:
        if lab["channels"] != 2:
            continue
        x, rate = read_pcm16(synth_dir / "media" / f"{lab['recording_sid']}.wav")
        # Twilio <Dial> layout: channel 1 = parent leg (inbound: customer), channel 2 = child leg (inbound: agent)
        assert lab["agent_channel"] == (2 if lab["direction"] == "inbound" else 1)
        layouts.add((lab["direction"], lab["agent_channel"]))
        for t in lab["turns"]:
            expected_channel = lab["agent_channel"] if t["speaker"] == "agent" else 3 - lab["agent_channel"]
            assert t["channel"] == expected_channel
            if overlaps(t, lab["turns"]):
                continue  # both talk: the other channel is not silent there
            i, j = int(t["start"] * rate), int(t["end"] * rate)
            own, other = rms_dbfs(x[i:j, t["channel"] - 1]), rms_dbfs(x[i:j, 2 - t["channel"]])
            assert own > -35.0, (lab["call_sid"], t)
            assert own - other > 25.0, (lab["call_sid"], t, own, other)
            checked[t["speaker"]] += 1
    assert checked["agent"] > 20 and checked["customer"] > 20
    assert layouts == {("inbound", 2), ("outbound-api", 1)}


def test_silence_between_turns_is_near_silent(synth_dir, labels):
    lab = next(lab for lab in labels if lab["channels"] == 2 and len(lab["turns"]) > 4)
    x, rate = read_pcm16(synth_dir / "media" / f"{lab['recording_sid']}.wav")
    a, b = lab["turns"][1], lab["turns"][2]
    gap = x[int(a["end"] * rate) + 80: int(b["start"] * rate) - 80]
    if gap.shape[0] > 400:
        assert rms_dbfs(gap[:, 0]) < -45 and rms_dbfs(gap[:, 1]) < -45
    # the line is never digitally silent: there is hiss everywhere
    assert (x != 0).mean() > 0.5


def test_turns_lie_inside_the_audio_and_in_order(labels):
    for lab in labels:
        assert lab["turns"], lab["call_sid"]
        prev_start = -1.0
        for t in lab["turns"]:
            assert 0.0 <= t["start"] < t["end"] <= lab["duration_seconds"]
            assert t["start"] >= prev_start
            assert t["text"].strip() and not re.search(r"\d", t["text"]), "numbers must be spoken as words"
            prev_start = t["start"]


def test_pii_values_are_valid_and_spoken(labels):
    kinds = set()
    for lab in labels:
        texts = {t["speaker"]: " ".join(x["text"] for x in lab["turns"] if x["speaker"] == t["speaker"])
                 for t in lab["turns"]}
        for p in lab["pii"]:
            kinds.add(p["type"])
            assert p["spoken"] in texts[p["speaker"]]
            if p["type"] == "EMAIL":
                assert re.fullmatch(r"[a-z]+[._]?[a-z]+@(gmail\.com|hotmail\.com|outlook\.com|yahoo\.es)", p["value"])
                assert "arroba" in p["spoken"]
                continue
            digits = "".join(DIGIT[w] for w in re.findall(r"[a-z]+", p["spoken"]))
            assert digits == p["value"]
            if p["type"] == "CEDULA":
                assert len(p["value"]) in (8, 10)
            elif p["type"] == "TARJETA":
                assert len(p["value"]) == 16 and luhn_valid(p["value"]) and p["value"][0] in "45"
            elif p["type"] == "TELEFONO":
                assert len(p["value"]) == 10 and p["value"].startswith("3")
    assert "CEDULA" in kinds


def test_expected_labels_agree_with_the_turns(labels):
    for lab in labels:
        e = lab["expected"]
        agent_text = " ".join(t["text"].lower() for t in lab["turns"] if t["speaker"] == "agent")
        for canon in e["forbidden_words"]:
            assert canon in P.FORBIDDEN_LEXICON
            assert any(form in agent_text for form in P.FORBIDDEN_LEXICON[canon]), (canon, agent_text)
        if not e["forbidden_words"]:
            assert not any(re.search(rf"\b{re.escape(f)}\b", agent_text)
                           for forms in P.FORBIDDEN_LEXICON.values() for f in forms)
        assert e["customer_sentiment"] in ("negative", "neutral", "positive")
        assert e["long_hold"] == any(h["end"] - h["start"] >= 20 for h in lab["holds"])
        if e["greeting"]:
            first_agent = next(t for t in lab["turns"] if t["speaker"] == "agent")
            assert re.search(r"buen[oa]s (días|tardes|noches)", first_agent["text"].lower())
        if lab["scenario"] == "dropped_call":
            assert e["farewell_applicable"] is False and e["farewell"] is False
        json.dumps(lab)  # serialisable as is
