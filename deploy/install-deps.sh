#!/usr/bin/env bash
# Install the Debian packages liandong needs to build, test and run.
# Skips what is already installed; safe to run again. Must run as root
# (or with sudo available) on Debian 12 or newer.
set -euo pipefail

pkgs=(
	build-essential meson ninja-build pkg-config
	protobuf-c-compiler libprotobuf-c-dev
	libzmq3-dev liblmdb-dev libssl-dev libinih-dev libjansson-dev libcmocka-dev
	libmicrohttpd-dev
	lmdb-utils tzdata faketime
	curl openssl
)
if [ "${LD_WITH_FORMAT:-0}" = 1 ]; then
	pkgs+=(clang-format)
fi
if [ "${LD_WITH_CLANG:-0}" = 1 ]; then
	pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages already installed"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
