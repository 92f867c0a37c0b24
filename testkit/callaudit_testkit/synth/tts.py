"""Spanish speech from espeak-ng, in-process, with no system package.

The PyPI package ``espeakng-loader`` ships ``libespeak-ng`` and its data; we drive the C API through ctypes in
"synchronous" mode (samples come back through a callback before ``espeak_Synth`` returns, nothing is played, and
the library starts no thread). espeak-ng keeps global state, so calls are serialised with a lock; each process
initialises the library once. :func:`speak_many` gives reproducible samples (see there).

>>> pcm, rate = speak("Buenos días, habla con Andrea.", voice="es")   # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import threading
from functools import lru_cache

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
POS_CHARACTERS = 1
ESPEAK_RATE = 1
ESPEAK_VOLUME = 2
ESPEAK_PITCH = 3
EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_lock = threading.Lock()
_chunks: list[np.ndarray] = []


@_SYNTH_CALLBACK
def _on_samples(wav, numsamples, events):  # pragma: no cover - called from C
    if numsamples > 0 and wav:
        _chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0


class TTSError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _engine() -> tuple[ctypes.CDLL, int]:
    try:
        import espeakng_loader
    except ImportError as exc:  # pragma: no cover
        raise TTSError("espeakng-loader is not installed: run `make setup` (it is a project dependency)") from exc
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_void_p, ctypes.c_void_p,
    ]
    lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
    if rate <= 0:
        raise TTSError("espeak-ng failed to initialise (data path missing?)")
    lib.espeak_SetSynthCallback(_on_samples)
    return lib, rate


def speak(text: str, voice: str = "es", rate_wpm: int = 160, pitch: int = 50) -> tuple[np.ndarray, int]:
    """Synthesize ``text``; returns (int16 mono samples, sample rate in Hz — 22050 for espeak-ng)."""
    global _spoken
    lib, sample_rate = _engine()
    data = text.encode("utf-8") + b"\0"
    with _lock:
        _spoken = True
        _chunks.clear()
        if lib.espeak_SetVoiceByName(voice.encode()) != EE_OK:
            raise TTSError(f"unknown espeak-ng voice {voice!r} (try 'es', 'es-419', 'es+f2')")
        lib.espeak_SetParameter(ESPEAK_RATE, int(rate_wpm), 0)
        lib.espeak_SetParameter(ESPEAK_PITCH, int(pitch), 0)
        buf = ctypes.create_string_buffer(data)
        status = lib.espeak_Synth(buf, len(data), 0, POS_CHARACTERS, 0, ESPEAK_CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        if status != EE_OK:
            raise TTSError(f"espeak-ng could not synthesize the text (status {status})")
        pcm = np.concatenate(_chunks) if _chunks else np.zeros(0, dtype=np.int16)
        _chunks.clear()
    return pcm.astype(np.int16, copy=False), sample_rate


# ---- deterministic batches ---------------------------------------------------------------------------------
# espeak-ng is not a pure function of its input: wavegen keeps process-wide state between utterances (the pitch
# "flutter" phase is a function-static counter, the noise generator is seeded from time(NULL) at initialisation),
# so the same text gives slightly different samples depending on what was spoken before in the process, and
# Terminate/Initialize does not reset it. So a batch is spoken in a freshly forked child of a process whose
# espeak-ng has been initialised but has never spoken: the child fixes the random seed, speaks the batch in order
# and pipes the samples back, then exits. The result depends only on the batch; the fork costs milliseconds.
# (Synchronous mode matters here: in retrieval mode the library owns a thread and a forked child deadlocks.)

_spoken = False  # set once speak() ran in this process: its espeak-ng state is no longer the initial one

Utterance = tuple  # (text, voice, rate_wpm, pitch)
SAMPLE_RATE = 22050  # what espeak-ng produces (speak() returns it too)


def speak_many(utterances: list[Utterance], rand_seed: int = 0) -> list[np.ndarray]:
    """Speak ``utterances`` [(text, voice, rate_wpm, pitch), ...] reproducibly: same batch -> same samples.

    Returns one int16 array per utterance at :data:`SAMPLE_RATE`, whatever was spoken before in this process
    through :func:`speak_many`. Must not be mixed with :func:`speak` in the same process (use a worker process);
    raises :class:`TTSError` if :func:`speak` already ran here.
    """
    import os
    import struct

    if _spoken:
        raise TTSError(
            "speak_many() needs a process where espeak-ng has not spoken yet (speak() was already used here); "
            "call it from a worker process"
        )
    _engine()  # initialise in the parent (no thread in synchronous mode), so each child starts from this state
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which leaves with os._exit
        code = 0
        os.close(read_fd)
        sink = os.fdopen(write_fd, "wb")
        try:
            lib, _ = _engine()
            lib.espeak_ng_SetRandSeed(int(rand_seed))
            for text, voice, rate_wpm, pitch in utterances:
                pcm, _ = speak(text, voice, rate_wpm, pitch)
                sink.write(struct.pack("<bI", 0, pcm.size))
                sink.write(pcm.tobytes())
        except BaseException as exc:  # report it to the parent, never raise out of the child
            code = 1
            msg = f"{type(exc).__name__}: {exc}".encode()[:2000]
            sink.write(struct.pack("<bI", 1, len(msg)) + msg)
        finally:
            try:
                sink.close()
            finally:
                os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as src:
        data = src.read()
    os.waitpid(pid, 0)
    out: list[np.ndarray] = []
    pos = 0
    while pos < len(data):
        kind, n = struct.unpack_from("<bI", data, pos)
        pos += 5
        if kind == 1:
            raise TTSError(f"espeak-ng failed in the synthesis child: {data[pos:pos + n].decode(errors='replace')}")
        out.append(np.frombuffer(data, dtype=np.int16, count=n, offset=pos).copy())
        pos += 2 * n
    if len(out) != len(utterances):
        raise TTSError(f"espeak-ng synthesis child died after {len(out)} of {len(utterances)} utterances")
    return out
