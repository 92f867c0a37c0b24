"""Delta Lake jars for local Spark, fetched once from Maven Central into the project cache.

Why not ``spark.jars.packages`` / delta-spark's ``configure_spark_with_delta_pip``: Ivy resolution drags in
transitive jars (hadoop-client, parquet, jackson 2.13) that shadow Spark's own, costs ~20 s per JVM start when the
cache is cold, and the pip package's own version (4.4.1 at the time of writing) was not on Maven Central. We pin
the two jars Delta needs at runtime, verify their SHA-1 against Central's published checksums, and hand Spark
plain paths.

Run ``python -m callaudit.lakehouse.jars`` (``make jars``) to fetch; it is a no-op when the cache is complete.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from callaudit.config import load_settings

MAVEN_CENTRAL = os.environ.get("CALLAUDIT_MAVEN_REPO", "https://repo1.maven.org/maven2")
DELTA_VERSION = "4.4.0"
SPARK_MINOR_SCALA = "4.2_2.13"


@dataclass(frozen=True)
class Jar:
    group: str
    artifact: str
    version: str
    sha1: str

    @property
    def filename(self) -> str:
        return f"{self.artifact}-{self.version}.jar"

    @property
    def url(self) -> str:
        return f"{MAVEN_CENTRAL}/{self.group.replace('.', '/')}/{self.artifact}/{self.version}/{self.filename}"


DELTA_JARS = (
    Jar("io.delta", f"delta-spark_{SPARK_MINOR_SCALA}", DELTA_VERSION, "c2ab26421b8de44a2161b5e0b7da7954049f1ca1"),
    Jar("io.delta", "delta-storage", DELTA_VERSION, "a068e489ce20d7f79bc4ca2d3392f12adbb69ddd"),
)


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def jar_paths(jars_dir: Path | None = None) -> list[Path]:
    jars_dir = jars_dir or load_settings().jars_dir
    return [jars_dir / jar.filename for jar in DELTA_JARS]


def missing_jars(jars_dir: Path | None = None) -> list[Jar]:
    jars_dir = jars_dir or load_settings().jars_dir
    return [jar for jar in DELTA_JARS if not (jars_dir / jar.filename).is_file()]


def ensure_jars(jars_dir: Path | None = None, *, quiet: bool = False) -> list[Path]:
    """Download missing Delta jars (verified) and return their paths."""
    jars_dir = jars_dir or load_settings().jars_dir
    jars_dir.mkdir(parents=True, exist_ok=True)
    for jar in missing_jars(jars_dir):
        target = jars_dir / jar.filename
        if not quiet:
            print(f"fetching {jar.url}", file=sys.stderr)
        fd, tmp_name = tempfile.mkstemp(dir=jars_dir, suffix=".part")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with urllib.request.urlopen(jar.url, timeout=120) as resp, tmp.open("wb") as out:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
            got = _sha1(tmp)
            if got != jar.sha1:
                raise RuntimeError(f"{jar.filename}: SHA-1 {got} does not match the pinned {jar.sha1}")
            os.replace(tmp, target)
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(
                f"could not fetch {jar.filename} from {MAVEN_CENTRAL} ({exc}). Check network access to Maven "
                "Central, or set CALLAUDIT_MAVEN_REPO to a mirror."
            ) from exc
    return jar_paths(jars_dir)


if __name__ == "__main__":  # pragma: no cover - used by `make jars`
    paths = ensure_jars()
    print("delta jars ready: " + ", ".join(p.name for p in paths))
