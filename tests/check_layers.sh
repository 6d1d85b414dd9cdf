#!/usr/bin/env bash
# common/ is built in layers that only look down:
#   base < crypto < feed < store < index < domain < views < files < conf
# This check fails if a file of one layer includes a header of a higher one,
# if common/ includes anything from server/ or client/, or if the includes
# inside common/ form a cycle (tsort reports a loop).
set -euo pipefail
cd "$(dirname "$0")/.."
layers=(base crypto feed store index domain views files conf)
rank() {
	local i
	for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done
	echo -1
}
bad=0
pairs=$(mktemp)
trap 'rm -f "$pairs"' EXIT
for dir in common/*/; do
	own=$(basename "$dir")
	r_own=$(rank "$own")
	if [ "$r_own" -lt 0 ]; then
		echo "check_layers: common/$own is not a known layer (${layers[*]})" >&2
		bad=1
		continue
	fi
	for f in "$dir"*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			case "$inc" in
			server/* | client/*)
				echo "check_layers: $f includes $inc: common/ never includes server/ or client/" >&2
				bad=1 ;;
			common/*/*)
				layer=${inc#common/}
				layer=${layer%%/*}
				r=$(rank "$layer")
				if [ "$r" -gt "$r_own" ]; then
					echo "check_layers: $f ($own) includes $inc ($layer, a higher layer)" >&2
					bad=1
				fi
				# file -> header it includes, for the cycle check
				echo "$f $inc" >>"$pairs" ;;
			common/*)
				echo "check_layers: $f includes $inc: every header of common/ is in a layer folder" >&2
				bad=1 ;;
			esac
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
if ! tsort "$pairs" >/dev/null 2>"$pairs.err"; then
	echo "check_layers: an include cycle inside common/:" >&2
	cat "$pairs.err" >&2
	bad=1
fi
rm -f "$pairs.err"
n=$(find common -name '*.[ch]' | wc -l)
if [ "$bad" -ne 0 ]; then
	echo "check_layers: FAILED" >&2
	exit 1
fi
echo "check_layers: $n files in ${#layers[@]} layers, every include looks down, no cycle"
