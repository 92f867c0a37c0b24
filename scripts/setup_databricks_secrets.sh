#!/usr/bin/env bash
# Store callaudit's credentials in a Databricks secret scope (default: twilio-secrets), with the current
# Databricks CLI (v0.205+):
#
#   databricks secrets create-scope <scope>            (an existing scope is fine)
#   databricks secrets put-secret <scope> <key>        (value on stdin: never on a command line, never echoed)
#
# environment variable    ->  key in the scope      read in the workspace by
#   TWILIO_ACCOUNT_SID    ->  account_sid           callaudit ingest (dbutils.secrets)
#   TWILIO_AUTH_TOKEN     ->  auth_token            callaudit ingest (dbutils.secrets)
#   AZURE_SPEECH_KEY      ->  azure_speech_key      the pipeline, via {{secrets/<scope>/azure_speech_key}}
#   AZURE_SPEECH_REGION   ->  azure_speech_region   the pipeline, via {{secrets/<scope>/azure_speech_region}}
# optional (stored only when set in the environment; never asked for):
#   CALLAUDIT_ALERT_WEBHOOK_URL -> alert_webhook_url  callaudit alerts (Slack/Teams webhook)
#   CALLAUDIT_SMTP_PASSWORD     -> smtp_password      callaudit alerts (e-mail)
#
# Values come from the environment; a missing one is asked for without echo when a terminal is attached. Without
# a terminal the script refuses to run (exit 2) before touching the workspace.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/setup_databricks_secrets.sh [--scope NAME] [--profile NAME] [--without-azure]

Creates the secret scope (an existing one is fine) and stores, from the environment or asked for without echo:
  TWILIO_ACCOUNT_SID  -> account_sid        TWILIO_AUTH_TOKEN    -> auth_token
  AZURE_SPEECH_KEY    -> azure_speech_key   AZURE_SPEECH_REGION  -> azure_speech_region
and, only when set in the environment (alerts):
  CALLAUDIT_ALERT_WEBHOOK_URL -> alert_webhook_url   CALLAUDIT_SMTP_PASSWORD -> smtp_password

Options:
  --scope NAME       secret scope (default: twilio-secrets; the bundle variable secret_scope must match)
  --profile NAME     ~/.databrickscfg profile passed to the Databricks CLI (default: the CLI's own default)
  --without-azure    store only the Twilio credentials (the whisper transcription engine needs no Azure key)
  -h, --help         this help

Secret values are passed to the CLI on stdin, never as arguments, and are never printed.
Requires the Databricks CLI v0.205 or newer (`databricks --version` prints "Databricks CLI v0.2xx").
USAGE
}

scope="twilio-secrets"
profile=""
with_azure=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scope) [ $# -ge 2 ] && [ -n "$2" ] || { echo "error: --scope needs a name" >&2; exit 2; }; scope="$2"; shift 2 ;;
    --scope=*) scope="${1#--scope=}"; shift ;;
    --profile) [ $# -ge 2 ] && [ -n "$2" ] || { echo "error: --profile needs a name" >&2; exit 2; }; profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --without-azure) with_azure=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$scope" ] || { echo "error: the scope name is empty" >&2; exit 2; }

names=(TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN)
keys=(account_sid auth_token)
if [ "$with_azure" -eq 1 ]; then
  names+=(AZURE_SPEECH_KEY AZURE_SPEECH_REGION)
  keys+=(azure_speech_key azure_speech_region)
fi

if ! command -v databricks >/dev/null 2>&1; then
  echo "error: the Databricks CLI ('databricks') is not on PATH; install it: https://docs.databricks.com/dev-tools/cli/install.html" >&2
  exit 2
fi
cli_version="$(databricks --version 2>/dev/null || true)"
case "$cli_version" in
  "Databricks CLI v"*) ;;
  *) echo "error: this script needs the Databricks CLI v0.205+ (found: ${cli_version:-unknown});" \
          "the legacy Python 'databricks-cli' uses another syntax" >&2
     exit 2 ;;
esac

cli=(databricks)
[ -n "$profile" ] && cli+=(--profile "$profile")

# Collect every value first: nothing reaches the workspace unless all of them are there.
values=()
missing=()
for i in "${!names[@]}"; do
  name="${names[$i]}"
  value="${!name:-}"
  if [ -z "$value" ] && [ -t 0 ]; then
    # -s: no echo; the prompt goes to stderr. Typed values stay in this shell (not exported to the CLI).
    IFS= read -r -s -p "$name (${keys[$i]}): " value || true
    echo >&2
  fi
  if [ -z "$value" ]; then
    missing+=("$name")
  fi
  values+=("$value")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: missing ${missing[*]}: set them in the environment (or run this in a terminal to be asked)." \
       "Nothing was changed in the workspace." >&2
  exit 2
fi

# Optional alert credentials: stored when present, never asked for.
optional_names=(CALLAUDIT_ALERT_WEBHOOK_URL CALLAUDIT_SMTP_PASSWORD)
optional_keys=(alert_webhook_url smtp_password)
for i in "${!optional_names[@]}"; do
  name="${optional_names[$i]}"
  value="${!name:-}"
  if [ -n "$value" ]; then
    names+=("$name")
    keys+=("${optional_keys[$i]}")
    values+=("$value")
  fi
done

# Anything the CLI prints is shown with secret values masked, just in case.
mask() {
  local text="$1" v
  for v in "${values[@]}"; do
    text="${text//"$v"/****}"
  done
  printf '%s\n' "$text"
}

if out="$("${cli[@]}" secrets create-scope "$scope" 2>&1)"; then
  echo "created secret scope '$scope'"
else
  shopt -s nocasematch
  if [[ "$out" == *"already exists"* ]]; then
    echo "secret scope '$scope' already exists: keeping it"
  else
    echo "error: could not create secret scope '$scope':" >&2
    mask "$out" >&2
    exit 1
  fi
  shopt -u nocasematch
fi

for i in "${!keys[@]}"; do
  # printf is a shell builtin: the value never appears in any process's argv; no trailing newline is stored.
  if ! out="$(printf '%s' "${values[$i]}" | "${cli[@]}" secrets put-secret "$scope" "${keys[$i]}" 2>&1)"; then
    echo "error: could not store '${keys[$i]}' (from ${names[$i]}) in scope '$scope':" >&2
    mask "$out" >&2
    exit 1
  fi
  echo "stored ${keys[$i]} (from ${names[$i]})"
done

echo "done: ${#keys[@]} secrets in scope '$scope'. Check with: databricks secrets list-secrets $scope"
