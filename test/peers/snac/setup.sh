#!/usr/bin/env bash
# Installs snac2 (a small ActivityPub server with a Mastodon client API) from Debian
# bookworm-backports, for the Mastodon real-server tests. Safe to run again: it adds the
# backports suite only when no apt source names it, and installs only when `snac` is missing.
set -euo pipefail

if command -v snac >/dev/null 2>&1; then
  echo "snac2 already installed: $(command -v snac)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "test/peers/snac/setup.sh must run as root (it uses apt-get)" >&2
  exit 1
fi

# Reuse the mirror host this machine's Debian sources already use (deb822 or one-line form).
mirror="$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -v -- '-security' | head -n1 | tr -d ' ' || true)"
mirror="${mirror%/}"
mirror="${mirror:-http://deb.debian.org/debian}"

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "adding bookworm-backports from ${mirror}"
  cat >/etc/apt/sources.list.d/bookworm-backports.sources <<SOURCES
Types: deb
URIs: ${mirror}
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t bookworm-backports snac2
echo "snac2 installed: $(command -v snac)"
