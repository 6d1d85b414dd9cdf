#!/usr/bin/env bash
# Install what is missing, build, and run liandong's whole test suite: once in
# a normal build and once with AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line "N passed, N failed" summed over both runs.
#
#   tests/run.sh            both builds
#   tests/run.sh --quick    normal build only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) echo "tests/run.sh: unknown option '$a' (try --help)" >&2; exit 2 ;;
	esac
done

deploy/install-deps.sh

passed=0
failed=0
status=0
run_suite() { # build-dir, meson options...
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
	local log="$dir/meson-test-summary.txt"
	set +e
	meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 0 ] || status=$rc
	# meson's closing summary: "Ok: N", "Expected Fail: N", "Fail: N", ...
	local ok xf fail up to
	ok=$(awk '/^Ok:/ {print $2}' "$log"); xf=$(awk '/^Expected Fail:/ {print $3}' "$log")
	fail=$(awk '/^Fail:/ {print $2}' "$log"); up=$(awk '/^Unexpected Pass:/ {print $3}' "$log")
	to=$(awk '/^Timeout:/ {print $2}' "$log")
	passed=$((passed + ${ok:-0} + ${xf:-0}))
	failed=$((failed + ${fail:-0} + ${up:-0} + ${to:-0}))
	if [ -z "$ok" ]; then
		echo "tests/run.sh: meson printed no summary for $dir" >&2
		failed=$((failed + 1))
		status=1
	fi
}

run_suite build
if [ "$quick" -eq 0 ]; then
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi

echo "$passed passed, $failed failed"
exit "$status"
