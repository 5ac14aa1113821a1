#!/bin/sh
# Install the Debian packages Tanji needs beside its Python dependencies, if missing.
#   run:  pango (WeasyPrint renders the PDF reports) and the Noto CJK fonts they embed
#   test: poppler-utils (the PDF tests read reports back) and Chromium (the browser test)
# Usage: scripts/system-packages.sh run|test
set -eu

RUN_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"
TEST_PACKAGES="poppler-utils chromium"

case "${1:-run}" in
  run) wanted="$RUN_PACKAGES" ;;
  test) wanted="$RUN_PACKAGES $TEST_PACKAGES" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=""
for package in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "Tanji needs these Debian packages:$missing" >&2
  echo "Install them as root: apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq || true
# shellcheck disable=SC2086  # word splitting of the package list is intended
$as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
