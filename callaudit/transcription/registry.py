"""The transcription engines by name: a table of import paths, resolved only when an engine is asked for.

Nothing here imports an engine module, and no engine module is named anywhere else in the product: the core, the
pipeline UDF and the CLI ask this registry. Built-in engines are one line each in :data:`BUILTIN`; another
distribution adds one without touching callaudit through an entry point::

    [project.entry-points."callaudit.engines"]
    deepgram = "my_package.deepgram_engine:DeepgramEngine"

An engine class has ``name``, ``spec`` (:class:`~callaudit.transcription.engine.EngineSpec`), ``__init__(options)``,
``version(hotwords)`` and ``transcribe_channels(...)`` (see :class:`~callaudit.transcription.engine.Engine`).
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from callaudit.transcription.engine import Engine, EngineSpec
from callaudit.transcription.options import TranscriptionOptions

ENTRY_POINT_GROUP = "callaudit.engines"
DEFAULT_ENGINE = "whisper"
CONF_PREFIX = "callaudit.transcription."

BUILTIN: dict[str, str] = {
    "whisper": "callaudit.transcription.whisper_engine:WhisperEngine",
    "azure": "callaudit.transcription.azure_engine:AzureEngine",
    "reference": "callaudit.transcription.reference_engine:ReferenceEngine",
}
_added: dict[str, str] = {}


def register(name: str, target: str) -> None:
    """Add (or replace) an engine for this process: ``target`` is ``"package.module:Class"``."""
    if ":" not in target:
        raise ValueError(f"engine target {target!r} must look like 'package.module:Class'")
    _added[_key(name)] = target
    engine_class.cache_clear()


def _key(name: str | None) -> str:
    return (name or DEFAULT_ENGINE).strip().lower()


@cache
def _plugins() -> dict[str, str]:
    return {ep.name.lower(): ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def targets() -> dict[str, str]:
    """Every known engine name -> its import path (built-in, then plug-ins, then :func:`register`)."""
    return {**BUILTIN, **_plugins(), **_added}


def names() -> tuple[str, ...]:
    return tuple(targets())


@cache
def engine_class(name: str) -> type[Engine]:
    key = _key(name)
    target = targets().get(key)
    if target is None:
        raise ValueError(f"unknown transcription engine {name!r}; choose one of {', '.join(names())}")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not isinstance(getattr(cls, "spec", None), EngineSpec) or getattr(cls, "name", None) != key:
        raise TypeError(f"{target} is not a callaudit engine named {key!r} (needs name = {key!r} and an EngineSpec)")
    return cls


def spec(name: str) -> EngineSpec:
    return engine_class(name).spec


def get_engine(name: str, options: TranscriptionOptions) -> Engine:
    """Instantiate an engine by name. Cheap: models load lazily, once per process."""
    return engine_class(name)(options)


def credential_conf_keys(name: str) -> dict[str, str]:
    """The engine's secret names -> the Spark conf keys the pipeline reads them from."""
    return {secret: CONF_PREFIX + secret.lower() for secret in spec(name).credentials}
