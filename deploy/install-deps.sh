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
	curl openssl chromium fonts-noto-cjk
	gettext locales
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

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages already installed"
else
	echo "install-deps: installing ${missing[*]}"
	if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
		echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# `liandong` speaks Chinese under LANG=zh_CN.UTF-8 (and the tests check it):
# the C library needs that locale generated. Only if it is missing.
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
	if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
		echo "install-deps: not root and no sudo; generate the zh_CN.UTF-8 locale as root" >&2
		exit 1
	fi
	echo "install-deps: generating the zh_CN.UTF-8 locale"
	if grep -q '^# *zh_CN\.UTF-8 UTF-8' /etc/locale.gen; then
		$SUDO sed -i 's/^# *\(zh_CN\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
	elif ! grep -q '^zh_CN\.UTF-8 UTF-8' /etc/locale.gen; then
		echo 'zh_CN.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
	fi
	$SUDO locale-gen
fi
