#!/bin/sh
# Install the Debian packages diploma needs, only those missing.
#   scripts/system-packages.sh run    what `make run` needs (Python venv, Pango for PDFs)
#   scripts/system-packages.sh test   that, plus what the tests use (Chromium, PDF and QR readers, faketime, NSS tools
#                                     for pdfsig's trust store, Java for
#                                     the Nu Html Checker, npm to install the checkers)
set -eu
RUN_PACKAGES="python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmagic1 postgresql-client"
TEST_PACKAGES="chromium poppler-utils libnss3-tools qpdf zbar-tools faketime postgresql redis-server default-jre-headless"

case "${1:-run}" in
  run) wanted="$RUN_PACKAGES" ;;
  test) wanted="$RUN_PACKAGES $TEST_PACKAGES" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=""
for package in $wanted; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
# npm: Debian's package, unless a Node.js that brings its own npm is already installed.
if [ "${1:-run}" = test ] && ! command -v npm >/dev/null 2>&1; then
  missing="$missing npm"
fi
[ -z "$missing" ] && exit 0

echo "Installing system packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "Please install as root: apt-get install$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
