"""Spanish speech from espeak-ng, in-process, with no system package.

The PyPI package ``espeakng-loader`` ships ``libespeak-ng`` and its data; we drive the C API through ctypes in
"retrieval" mode (samples come back through a callback, nothing is played). espeak-ng keeps global state, so
calls are serialised with a lock; each process initialises the library once.

>>> pcm, rate = speak("Buenos días, habla con Andrea.", voice="es")   # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import threading
from functools import lru_cache

import numpy as np

AUDIO_OUTPUT_RETRIEVAL = 1
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
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, espeakng_loader.get_data_path().encode(), 0)
    if rate <= 0:
        raise TTSError("espeak-ng failed to initialise (data path missing?)")
    lib.espeak_SetSynthCallback(_on_samples)
    return lib, rate


def speak(text: str, voice: str = "es", rate_wpm: int = 160, pitch: int = 50) -> tuple[np.ndarray, int]:
    """Synthesize ``text``; returns (int16 mono samples, sample rate in Hz — 22050 for espeak-ng)."""
    lib, sample_rate = _engine()
    data = text.encode("utf-8") + b"\0"
    with _lock:
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
