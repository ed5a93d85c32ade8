#!/bin/sh
# Install what building and testing citynode needs on Debian 12, skipping what
# is already there. Runs as root (or with sudo available). Idempotent.
set -eu

packages="build-essential cmake pkg-config git openssh-client ca-certificates
libgit2-dev libssl-dev libcurl4-openssl-dev libjansson-dev libyaml-dev libpcre2-dev
libmicrohttpd-dev libsqlite3-dev zlib1g-dev libcmark-dev libcmocka-dev clang libclang-rt-14-dev
python3 nginx-light curl"
if [ "${1:-}" = "--test" ]; then
    packages="$packages valgrind wrk chromium fonts-dejavu-core python3-rdflib python3-yaml python3-jsonschema
        faketime libfaketime strace fcgiwrap libxml2-utils python3-feedparser groff-base"
    command -v node >/dev/null 2>&1 || packages="$packages nodejs npm"
fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
