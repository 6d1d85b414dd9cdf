#!/usr/bin/env bash
# Capture the JSON fixtures of the command wall page from a real cluster.
#
#   deploy/cluster.sh                 (start the local cluster first)
#   tests/web/mkfixtures.sh           more real work on it, then the documents
#
# Writes tests/web/fixtures/*.json: what `liandong view/show/status/roster list
# --json` print on the province node. The fields the web server adds (top-level
# node/as_of_ms/zone, per region answer_hist/answer_buckets_ms, the roster's
# region names) are added by tests/web/augment.py, as the contract describes.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
dir=${LIANDONG_CLUSTER:-$top/.cluster}
L=$top/build/client/liandong
out=$top/tests/web/fixtures
mkdir -p "$out"
P="-c $dir/province/liandongd.conf"
A="-c $dir/county-a/liandongd.conf"
B="-c $dir/county-b/liandongd.conf"
C="-c $dir/county-c/liandongd.conf"
Q="-c $dir/police/liandongd.conf"

until_ok() { # bounded wait for a command to succeed
	for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "mkfixtures: timed out waiting for: $*" >&2
	exit 1
}
holds_case() { "$L" show "$2" -c "$dir/$1/liandongd.conf" >/dev/null 2>&1; }
# A case's show --json has the state as "status"; wait until the node judges so.
view_overdue() { "$L" view $P --json | python3 -c '
import json, sys
sys.exit(0 if any(c["case"] == sys.argv[1] and c["overdue"] for c in json.load(sys.stdin)["cases"]) else 1)' "$1"; }
case_has() { "$L" show "$2" -c "$dir/$1/liandongd.conf" --json 2>/dev/null | grep -q "$3"; }

if [ "${1:-}" != "--capture-only" ]; then
echo "== an urgent joint inspection: county A completes, county C declines, police never acknowledges"
"$L" dispatch $P --action province/A-2026-032 --kind joint-inspection --priority urgent \
	--title "联合执法：嘉善—秀洲交界河道涉砂船只联合检查" \
	--participant county-a:lead --participant county-c:support --participant police:observer \
	--site "红旗塘 12 号桥" --ack-by +25s \
	--instructions "各单位于 14:00 前到达 12 号桥集合；公安派员协助扣押"
until_ok holds_case county-a province/A-2026-032
until_ok holds_case county-c province/A-2026-032
"$L" ack province/A-2026-032 $A
"$L" accept province/A-2026-032 $A
"$L" report province/A-2026-032 --status on-site --personnel 4 $A
"$L" report province/A-2026-032 --status completed \
	--findings "扣押涉砂船只 2 艘，现场笔录 3 份，移交公安 1 人" $A
"$L" ack province/A-2026-032 $C
"$L" decline province/A-2026-032 --reason "本局执法人员全部在京杭运河应急现场，无法抽调" $C

echo "== a routine special campaign (not urgent: not on the wall's top list)"
"$L" dispatch $P --action province/A-2026-033 --kind special-campaign --priority routine \
	--title "专项行动：太湖流域入河排污口排查" --participant county-a --participant county-b \
	--ack-by +2d --instructions "按排查清单逐一核查并上报"

echo "== county C refers a case to county A, which rejects it; one to county B left to go overdue"
"$L" refer $C --to county-a --case county-c/2026-0042 --violation air \
	--title "跨界案件移送：嘉善交界处化工企业夜间废气排放" --region 330402 \
	--facts "群众投诉夜间异味；无人机航测发现 VOCs 超标" --answer-by +1d
"$L" refer $C --to county-b --case county-c/2026-0043 --violation solid-waste \
	--title "跨界案件移送：<script>alert('x')</script> 固废倾倒点" --region 330411 \
	--facts "河岸堆放一般工业固废约 30 吨" --answer-by +12s
until_ok holds_case county-a county-c/2026-0042
"$L" respond county-c/2026-0042 reject --reason "经核查排放源位于嘉善县境内，不属本区管辖" $A

echo "== county B remediates the case it accepted; the province assesses"
until_ok holds_case county-b county-a/2026-0117
"$L" update county-a/2026-0117 $B --status remediation-ordered --remediation-due +60d \
	--checkpoint "+10d=完成管网改造并封堵暗管" --checkpoint "+30d=出水 COD 连续 7 日达标" \
	--checkpoint "+60d=河段生态修复验收" --note "责令限期整改"
"$L" update county-a/2026-0117 $B --stage-report 0 --text "暗管已封堵，管网改造完成 80%"
until_ok case_has province county-a/2026-0117 "stage"
"$L" update county-a/2026-0117 $P --assess after-rectification --outcome satisfactory \
	--findings "现场核查：暗管已封堵，排污口无排放"

echo "== county A hands the sampling report to the police"
ev=$("$L" show county-a/2026-0117 $A --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
for it in d.get("timeline", d.get("items", [])):
    if it.get("kind")=="evidence" and it.get("feed")=="county-a":
        print(it["seq"]); break' || true)
if [ -n "$ev" ]; then "$L" evidence hand-over "county-a:$ev" --to police --note "移送公安随案证据" $A; fi

fi
echo "== waiting for the province's view to judge county C's referral to county B overdue"
until_ok view_overdue county-c/2026-0043
sleep 3 # the province's escalation pass runs every 2 s

echo "== capturing"
"$L" view $P --json >"$out/view.raw.json"
"$L" status $P --json >"$out/status.json"
"$L" roster list $P --json >"$out/roster.raw.json"
for c in county-a/2026-0117 county-a/2026-0118 county-c/2026-0042 county-c/2026-0043; do
	"$L" show "$c" $P --json >"$out/case-${c//\//_}.json" || echo "   ($c not held at the province)"
done
for a in province/A-2026-031 province/A-2026-032 province/A-2026-033; do
	"$L" show "$a" $P --json >"$out/action-${a//\//_}.json"
done
ls -l "$out"
python3 "$top/tests/web/devserve.py" --write-fixtures "$out" --regions "$out/regions.tsv"
