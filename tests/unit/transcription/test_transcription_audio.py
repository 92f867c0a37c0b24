"""WAV reading: formats Twilio (and others) produce, and readable errors for broken files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from callaudit.transcription.audio import (
    AudioError,
    channels_identical,
    is_near_silent,
    level_dbfs,
    mulaw_encode,
    read_wav,
    read_wav_bytes,
    resample,
    write_wav,
)


def _tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _wav_bytes(tag: int, channels: int, rate: int, bits: int, payload: bytes, *, extensible: bool = False,
               declared: int | None = None, extra_chunks: bytes = b"") -> bytes:
    block = channels * bits // 8
    if extensible:
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 0)
        fmt += struct.pack("<H", tag) + guid_tail
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    size = len(payload) if declared is None else declared
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    body += b"data" + struct.pack("<I", size) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


# ---- formats -----------------------------------------------------------------------------------------------
def test_pcm16_stereo_round_trip_keeps_channels_apart(tmp_path):
    left, right = _tone(440, 0.5, 8000, 0.3), _tone(1000, 0.5, 8000, 0.6)
    path = write_wav(tmp_path / "stereo.wav", np.stack([left, right]), 8000)
    audio = read_wav(path)
    assert (audio.channels, audio.sample_rate, audio.encoding) == (2, 8000, "PCM16")
    assert audio.duration == pytest.approx(0.5)
    assert np.max(np.abs(audio.channel(1) - left)) < 1e-3
    assert np.max(np.abs(audio.channel(2) - right)) < 1e-3
    with pytest.raises(AudioError, match="channel 3"):
        audio.channel(3)


def test_mulaw_decodes_close_to_the_original_signal(tmp_path):
    x = _tone(300, 0.4, 8000, 0.5)
    path = write_wav(tmp_path / "ulaw.wav", x, 8000, encoding="mulaw")
    audio = read_wav(path)
    assert audio.encoding == "μ-law"
    # G.711 keeps ~38 dB SNR on a loud tone: the error is small relative to the amplitude
    err = audio.channel(1) - x
    snr = 10 * np.log10(np.mean(x**2) / np.mean(err**2))
    assert snr > 30


def test_mulaw_table_matches_known_g711_codes():
    # 0xFF and 0x7F are the two zero codes; 0x00 is the most negative value (-32124), 0x80 the most positive
    data = _wav_bytes(7, 1, 8000, 8, bytes([0xFF, 0x7F, 0x00, 0x80]) * 200)
    audio = read_wav_bytes(data)
    vals = np.round(audio.channel(1)[:4] * 32768).astype(int).tolist()
    assert vals == [0, 0, -32124, 32124]
    assert mulaw_encode(np.array([0.0, -32124 / 32768, 32124 / 32768])).tolist() == [0xFF, 0x00, 0x80]


def test_alaw_pcm8_pcm24_float_and_extensible_are_read():
    n = 800
    alaw = read_wav_bytes(_wav_bytes(6, 1, 8000, 8, bytes([0xD5, 0x55]) * n))  # A-law "zero" codes (±8)
    assert alaw.encoding == "A-law" and np.max(np.abs(alaw.samples)) < 0.001
    pcm8 = read_wav_bytes(_wav_bytes(1, 1, 8000, 8, bytes([128, 255, 0, 128]) * n))
    assert pcm8.channel(1)[:3].tolist() == pytest.approx([0.0, 127 / 128, -1.0])
    pcm24 = read_wav_bytes(_wav_bytes(1, 1, 16000, 24, b"\x00\x00\x40" * 1600))  # 0x400000 = +0.5
    assert pcm24.channel(1)[0] == pytest.approx(0.5)
    f32 = read_wav_bytes(_wav_bytes(3, 2, 16000, 32, np.full(3200, 0.25, dtype="<f4").tobytes()))
    assert f32.channels == 2 and f32.channel(2)[0] == pytest.approx(0.25)
    ext = read_wav_bytes(_wav_bytes(1, 2, 8000, 16, b"\x00\x40\x00\xc0" * n, extensible=True))
    assert ext.channel(1)[0] == pytest.approx(0.5) and ext.channel(2)[0] == pytest.approx(-0.5)


def test_unknown_chunks_before_data_are_skipped():
    extra = b"LIST" + struct.pack("<I", 5) + b"abcde" + b"\x00"  # odd size: padded to a word boundary
    audio = read_wav_bytes(_wav_bytes(1, 1, 8000, 16, b"\x00\x10" * 800, extra_chunks=extra))
    assert audio.frames == 800


# ---- broken files -> readable errors -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b'{"code": 20404, "message": "The requested resource was not found"}', "JSON"),
        (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 100, "MP3"),
        (b"\x00" * 400, "all zero bytes"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "truncated inside its WAV header"),
        (b"RIFF\x10\x00\x00\x00WAVEjunk\x00\x00\x00\x00", "no 'fmt ' chunk"),
        (_wav_bytes(1, 1, 8000, 16, b"\x00" * 1000, declared=160_000), "truncated"),
        (_wav_bytes(1, 1, 8000, 16, b""), "holds no audio"),
        (_wav_bytes(1, 3, 8000, 16, b"\x00" * 6000), "3 channels"),
        (_wav_bytes(1, 1, 4000, 16, b"\x00" * 6000), "sample rate of 4000"),
        (_wav_bytes(0x55, 1, 8000, 16, b"\x00" * 6000), "format tag 0x0055"),
        (_wav_bytes(1, 1, 8000, 12, b"\x00" * 6000), "12 bits"),
    ],
)
def test_broken_files_raise_readable_errors(data, message):
    with pytest.raises(AudioError, match=message):
        read_wav_bytes(data, path="RE123.wav")


def test_truncated_message_says_how_much_is_missing():
    data = _wav_bytes(1, 2, 8000, 16, b"\x00" * 32_000, declared=128_000)
    with pytest.raises(AudioError) as exc:
        read_wav_bytes(data, path="RE1.wav")
    assert "128,000" in str(exc.value) and "75% missing" in str(exc.value) and "re-download" in str(exc.value)


def test_header_without_data_chunk(tmp_path):
    full = _wav_bytes(1, 1, 8000, 16, b"\x00" * 1600)
    header_only = full[: full.index(b"data")]
    with pytest.raises(AudioError, match="no 'data' chunk"):
        read_wav_bytes(header_only)


def test_a_file_cut_inside_its_header_is_called_truncated():
    # 18 bytes: RIFF header + the first bytes of the 'fmt ' chunk header (a download cut very early)
    with pytest.raises(AudioError, match="truncated inside its WAV header .*18 bytes"):
        read_wav_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00", path="RE1.wav")


def test_errors_name_the_file_not_the_machine_path(tmp_path):
    """Errors land in gold tables: a local absolute path would differ between machines and leak layout."""
    bad = tmp_path / "landing" / "RE9.wav"
    bad.parent.mkdir()
    bad.write_bytes(b"<html>oops</html>")
    for target in (bad, tmp_path / "landing" / "RE404.wav"):
        with pytest.raises(AudioError) as exc:
            read_wav(target)
        assert str(tmp_path) not in str(exc.value) and target.name in str(exc.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(AudioError, match="does not exist"):
        read_wav(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="directory"):
        read_wav(tmp_path)


# ---- processing ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_resample_to_16k_keeps_duration_and_pitch(rate):
    x = _tone(440, 1.0, rate)
    y = resample(x, rate)
    assert y.dtype == np.float32
    assert len(y) == pytest.approx(16000, abs=2)
    spectrum = np.abs(np.fft.rfft(y))
    peak_hz = np.argmax(spectrum) * 16000 / len(y)
    assert peak_hz == pytest.approx(440, abs=2)


def test_silence_detection_separates_line_noise_from_quiet_speech():
    rng = np.random.default_rng(0)
    noise = (10 ** (-62 / 20) * rng.standard_normal(8000 * 3)).astype(np.float32)
    assert is_near_silent(noise, 8000)
    assert is_near_silent(np.zeros(8000, dtype=np.float32), 8000)
    quiet_talk = noise.copy()
    quiet_talk[8000:12000] += _tone(300, 0.5, 8000, amp=0.03)  # -33 dBFS for half a second out of three
    assert not is_near_silent(quiet_talk, 8000)
    assert level_dbfs(quiet_talk, 8000) > -40


def test_identical_channels_are_detected_as_upmixed_mono(tmp_path):
    x = _tone(300, 0.3, 8000)
    assert channels_identical(read_wav(write_wav(tmp_path / "dup.wav", np.stack([x, x]), 8000)))
    assert not channels_identical(read_wav(write_wav(tmp_path / "two.wav", np.stack([x, -x]), 8000)))


def test_one_writer_one_reader_int16_round_trip_is_exact(tmp_path):
    from callaudit.transcription.audio import pcm16_wav_bytes, read_pcm16, read_wav_bytes

    rng = np.random.default_rng(3)
    pcm = rng.integers(-32768, 32767, size=(4000, 2), dtype=np.int16)
    path = write_wav(tmp_path / "two.wav", pcm, 8000)
    got, rate = read_pcm16(path)
    assert rate == 8000 and np.array_equal(got, pcm)
    assert path.read_bytes() == pcm16_wav_bytes(pcm, 8000)
    assert np.array_equal(read_wav_bytes(pcm16_wav_bytes(pcm[:, 0], 8000)).pcm16()[:, 0], pcm[:, 0])


def test_wav_channels_reads_the_header_only(tmp_path):
    """Ingest checks a download with it: a truncated recording still lands (its transcription error row says
    what is wrong), a μ-law one is a WAV too, an API error body saved as .wav is not."""
    from callaudit.transcription.audio import AudioError, pcm16_wav_bytes, wav_channels

    stereo = pcm16_wav_bytes(np.zeros((8000, 2), dtype=np.int16), 8000)
    assert wav_channels(stereo) == 2
    assert wav_channels(stereo[: len(stereo) // 3]) == 2
    assert wav_channels(write_wav(tmp_path / "u.wav", np.zeros(800), 8000, encoding="mulaw").read_bytes()) == 1
    with pytest.raises(AudioError, match="not a WAV file: it looks like JSON"):
        wav_channels(b'{"code": 20404, "message": "not found"}')


def test_there_is_one_audio_module():
    """WAV reading/writing and μ-law live in callaudit/transcription/audio.py; product and test kit use it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    offenders = []
    for path in [*(root / "callaudit").rglob("*.py"), *(root / "testkit").rglob("*.py")]:
        if path.name == "audio.py" and path.parent.name == "transcription":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "wave" for a in node.names):
                offenders.append(f"{path.relative_to(root)} imports wave")
            if isinstance(node, ast.FunctionDef) and ("mulaw" in node.name or node.name in ("read_wav", "write_wav")):
                offenders.append(f"{path.relative_to(root)} defines {node.name}")
    assert offenders == []
