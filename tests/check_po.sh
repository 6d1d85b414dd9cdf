#!/usr/bin/env bash
# tests/check_po.sh SOURCE_ROOT XGETTEXT_ARGS...: every message the tool
# says is translated. Extracts the messages of the files in
# client/po/POTFILES afresh (as `ninja liandong-pot` does, with the same
# marks), then fails if a message has no translation in a language of
# client/po/LINGUAS (missing, empty or fuzzy), or a translation's printf
# format does not match its message (msgfmt --check).
set -euo pipefail
src=${1:?usage: check_po.sh SOURCE_ROOT XGETTEXT_ARGS...}
shift
cd "$src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --files-from=client/po/POTFILES --directory=. --package-name=liandong \
	-o "$tmp/liandong.pot" "$@"
n=$(grep -c '^msgid ' "$tmp/liandong.pot")
status=0
while read -r lang; do
	[ -n "$lang" ] || continue
	po=client/po/$lang.po
	if ! msgfmt --check --statistics -o /dev/null "$po"; then
		echo "check_po: $po: msgfmt --check failed" >&2
		status=1
	fi
	if ! msgcmp "$po" "$tmp/liandong.pot"; then
		echo "check_po: $po lacks translations of the messages above: run" \
			"'ninja -C build liandong-update-po' and translate them" >&2
		status=1
	fi
done < client/po/LINGUAS
echo "check_po: $((n - 1)) messages checked"
exit $status
