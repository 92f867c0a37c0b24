#!/usr/bin/env bash
# System packages the tests need that pip cannot provide: Debian's Chromium (the HTML report is checked in a real
# headless browser). Needs root or sudo; prints what to do otherwise.
set -euo pipefail
pkgs=(chromium)
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "callaudit: please install these Debian/Ubuntu packages as root: ${pkgs[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "installed: ${pkgs[*]}"
