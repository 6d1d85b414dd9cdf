#!/usr/bin/env bash
# Check that every C file of the tree is formatted as .clang-format says
# (run by .ci/run). Installs clang-format if it is missing (Debian).
#   tests/check_format.sh          check, naming each file that differs
#   tests/check_format.sh --fix    format them in place
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
--fix) fix=1 ;;
"") fix=0 ;;
-h|--help) sed -n '2,5p' "$0"; exit 0 ;;
*) echo "check_format: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
if ! command -v clang-format >/dev/null; then
	LD_WITH_FORMAT=1 deploy/install-deps.sh >&2
fi
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find common server client tests -name '*.[ch]')
if [ "$fix" = 1 ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check_format: $f is not formatted as .clang-format says (tests/check_format.sh --fix)" >&2
		bad=$((bad + 1))
	fi
done
if [ "$bad" -ne 0 ]; then
	echo "check_format: $bad of ${#files[@]} files differ" >&2
	exit 1
fi
echo "check_format: ${#files[@]} files formatted as .clang-format says"
