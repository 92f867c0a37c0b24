#!/usr/bin/env bash
# The product wheel alone: what Databricks installs. Builds it, lists it, proves the test kit is not in it, then
# installs it into a fresh venv (no test kit, no espeak) and runs `callaudit score` and imports the UDFs.
#   scripts/check_product_wheel.sh            (a few minutes: a fresh venv installs the product's dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/callaudit_wheel.XXXX)
trap 'rm -rf "$work"' EXIT
python3 -m pip wheel -q --no-deps -w "$work/dist" . 2>/dev/null
wheel=$(ls "$work"/dist/callaudit-*.whl)
echo "== $(basename "$wheel"): $(python3 -m zipfile -l "$wheel" | tail -n +2 | wc -l) files"
python3 -m zipfile -l "$wheel" | awk 'NR>1 {print $1}' | awk -F/ '{print (NF>2 ? $1"/"$2"/" : $0)}' | sort | uniq -c
if python3 -m zipfile -l "$wheel" | grep -Eq "callaudit_testkit|/synth/|emulator\.py|faults\.py|fixtures\.py|demo\.py|/bench/"; then
  echo "FAIL: the test kit is inside the product wheel"; exit 1
fi
grep -qi "^Requires-Dist: espeak" <(unzip -p "$wheel" '*.dist-info/METADATA') && { echo "FAIL: espeak is a product dependency"; exit 1; }
echo "== fresh venv: pip install the wheel (+ pyspark for the UDFs, as a Databricks runtime brings its own)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q -c constraints.txt "$wheel" "pyspark==4.2.0"
"$work/venv/bin/python" - <<'PY'
import importlib.util, sys
for name in ("callaudit_testkit", "espeakng_loader"):
    assert importlib.util.find_spec(name) is None, f"{name} is installed in the product venv"
import udfs.score, udfs.transcribe  # noqa: E401  the pipeline's UDF modules import without the test kit
print("udfs import:", udfs.score.__name__, udfs.transcribe.__name__, "| TRANSCRIPT_TYPE fields:",
      len(udfs.transcribe.TRANSCRIPT_TYPE.fields))
PY
cat > "$work/t.json" <<'JSON'
{"recording_sid": "RE1", "call_sid": "CA1", "channels": 2, "agent_channel": 2, "duration_seconds": 40.0,
 "segments": [
  {"speaker": "agent", "channel": 2, "start": 0.0, "end": 4.0, "text": "Buenos días, gracias por llamar, le habla Laura Gómez. ¿En qué le puedo ayudar?"},
  {"speaker": "customer", "channel": 1, "start": 4.5, "end": 8.0, "text": "Hola, tengo un problema con mi factura."},
  {"speaker": "agent", "channel": 2, "start": 30.0, "end": 34.0, "text": "Listo, quedó resuelto. Que tenga un buen día."}]}
JSON
echo "== callaudit score (wheel only; the scorecard is a deployment file, as on Databricks)"
root=$PWD
(cd "$work" && "$work/venv/bin/callaudit" score t.json --scorecard "$root/scorecards/callaudit_v2.yml" > score.txt)
head -12 "$work/score.txt"; grep -E "^Puntaje" "$work/score.txt"
"$work/venv/bin/callaudit" --help | grep -Eq "demo|synth|emulator" && { echo "FAIL: harness commands in the product CLI"; exit 1; }
echo "OK: the product wheel runs without the test kit"
