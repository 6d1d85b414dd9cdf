#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start a
# local liandong cluster on 127.0.0.1 — a provincial command centre (the root
# authority), three county bureaus and a police liaison unit, each its own
# liandongd process with its own keys and LMDB store — then do real work
# through it and leave it running, with the command wall (liandong-web) of
# every node on 127.0.0.1 (the province's on port 8480).
#
#   deploy/cluster.sh          (re)create and start the cluster, run the scenario
#   deploy/cluster.sh stop     stop every node of the cluster (by PID)
#   deploy/cluster.sh status   show each node's `liandong status`
#
# The cluster lives in $LIANDONG_CLUSTER (default: ./.cluster); the walls'
# ports start at $LIANDONG_WEB_PORT (default 8480).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
dir=${LIANDONG_CLUSTER:-$top/.cluster}
L=$top/build/client/liandong
D=$top/build/server/liandongd
W=$top/build/client/web/liandong-web
nodes=(province county-a county-b county-c police)
base_port=${LIANDONG_BASE_PORT:-7400}
web_port=${LIANDONG_WEB_PORT:-8480}

stop_all() {
	for n in "${nodes[@]}"; do
		for what in web liandongd; do
			f=$dir/$n/$what.pid
			[ -f "$f" ] || continue
			pid=$(cat "$f")
			if kill -0 "$pid" 2>/dev/null; then
				kill -TERM "$pid"
				for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
				kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
				echo "stopped $n's $what (pid $pid)"
			fi
			rm -f "$f"
		done
	done
}

case "${1:-start}" in
stop) stop_all; exit 0 ;;
status) for n in "${nodes[@]}"; do "$L" status -c "$dir/$n/liandongd.conf" || true; echo; done; exit 0 ;;
start) ;;
-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
*) echo "cluster.sh: unknown command '$1' (start, stop, status)" >&2; exit 2 ;;
esac

deploy/install-deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build

stop_all
rm -rf "$dir"
mkdir -p "$dir"

port() { # node index -> port
	echo $((base_port + $1))
}
curve_pub() { awk '/^public/ {print $3}' "$dir/$1/$1.curve"; }

echo "== creating nodes in $dir"
"$L" init --id province --dir "$dir/province" --root-node --bind "tcp://127.0.0.1:$(port 0)" \
	--timezone Asia/Shanghai >/dev/null
pc=$(curve_pub province)
i=1
for n in county-a county-b county-c police; do
	"$L" init --id "$n" --dir "$dir/$n" --root "$dir/province/root.pub" --timezone Asia/Shanghai \
		--bind "tcp://127.0.0.1:$(port $i)" --peer "province=tcp://127.0.0.1:$(port 0)@$pc" >/dev/null
	i=$((i + 1))
done

start() {
	# Own session and no inherited stdout: the cluster outlives this script
	# and does not hold its caller's pipe open.
	setsid "$D" -c "$dir/$1/liandongd.conf" </dev/null >>"$dir/$1/liandongd.log" 2>&1 &
	echo $! >"$dir/$1/liandongd.pid"
	for _ in $(seq 100); do
		"$L" status -c "$dir/$1/liandongd.conf" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "cluster.sh: $1 did not start; see $dir/$1/liandongd.log" >&2
	exit 1
}
web_port_of() { # node -> its wall's port
	i=0
	for n in "${nodes[@]}"; do
		[ "$n" = "$1" ] && { echo $((web_port + i)); return; }
		i=$((i + 1))
	done
}
start_web() { # node: its command wall on the read-only API, on loopback
	setsid "$W" --config "$dir/$1/liandongd.conf" </dev/null >>"$dir/$1/web.log" 2>&1 &
	echo $! >"$dir/$1/web.pid"
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$(web_port_of "$1")/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "cluster.sh: $1's liandong-web did not start; see $dir/$1/web.log" >&2
	exit 1
}
wait_for() { # node feed seq: until the node holds it (bounded)
	for _ in $(seq 200); do
		# The JSON on one line without spaces; a feed head is
		# {"feed":"X","seq":N,"id":...} (an alert has no id).
		s=$("$L" status -c "$dir/$1/liandongd.conf" --json 2>/dev/null | tr -d ' \n' |
			grep -o "\"feed\":\"$2\",\"seq\":[0-9]*,\"id\"" | grep -o '[0-9]*' | tail -1 || true)
		[ -n "$s" ] && [ "$s" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "cluster.sh: $1 did not receive $2 #$3 in time" >&2
	exit 1
}

# Region names for the walls (GB/T 2260 codes of the cluster's units).
printf '%s\t%s\n' 330000 浙江省 330400 嘉兴市 330402 南湖区 330411 秀洲区 330421 嘉善县 \
	>"$dir/regions.tsv"
for n in "${nodes[@]}"; do
	printf '\n[web]\nlisten = 127.0.0.1:%s\nregions = ../regions.tsv\n' "$(web_port_of "$n")" \
		>>"$dir/$n/liandongd.conf"
done

# The command centre checks its subtree's deadlines every 2 s (default 30 s).
printf '\n[escalation]\ninterval_s = 2\n' >>"$dir/province/liandongd.conf"

echo "== starting the provincial command centre and publishing the roster"
start province
P="-c $dir/province/liandongd.conf"
roster() { "$L" roster add "$1" $P --name "$2" --kind "$3" --region "$4" $5 \
	--sign-key-file "$dir/$1/$1.key" --curve-key-file "$dir/$1/$1.curve"; }
roster province "浙江省生态环境执法指挥中心" command-centre 330000 ""
roster county-a "嘉兴市南湖区生态环境分局（上游）" bureau 330402 "--superior province"
roster county-b "嘉兴市秀洲区生态环境分局（下游）" bureau 330411 "--superior province"
roster county-c "嘉善县生态环境分局" bureau 330421 "--superior province"
roster police "嘉兴市公安局环境犯罪侦查支队" police 330400 "--superior province"

echo "== starting the county bureaus and the police liaison unit"
for n in county-a county-b county-c police; do start "$n"; done
for n in county-a county-b county-c police; do wait_for "$n" province 5; done

echo "== starting the command walls (liandong-web, read-only API, loopback)"
for n in "${nodes[@]}"; do start_web "$n"; done

echo "== real work"
A="-c $dir/county-a/liandongd.conf"
B="-c $dir/county-b/liandongd.conf"
C="-c $dir/county-c/liandongd.conf"
"$L" refer $A --to county-b --case county-a/2026-0117 \
	--title "跨界案件移送：上游印染厂向京杭运河偷排未经处理废水" \
	--violation water --region 330411 --river "京杭运河（嘉兴段）" --site "3号排污口" \
	--party "嘉兴某印染有限公司" --credit-code 91330400MA2B3C4D5E \
	--facts "3号排污口 COD 412 mg/L（标准限值 100）；排污口属秀洲区企业，依法应由属地管辖" \
	--legal-basis "《中华人民共和国水污染防治法》第八十三条" --answer-by +14d
"$L" dispatch $P --action province/A-2026-031 --kind emergency --priority emergency \
	--title "应急联动：京杭运河3号排污口下游死鱼事件" \
	--participant county-a:support --participant county-b:lead --participant county-c:support \
	--site "京杭运河 41-47 公里" --ack-by +20s \
	--instructions "2 小时内在 41、44、47 公里处采样；关闭 7 号取水口；到场后报告"
wait_for county-b county-a 1
wait_for county-a province 6
"$L" ack province/A-2026-031 $A
"$L" accept province/A-2026-031 $B
"$L" report province/A-2026-031 --status on-site --personnel 6 $B
echo "== county C (not the addressee) tries to accept: refused before anything is signed:"
wait_for county-c province 6
"$L" respond county-a/2026-0117 accept $C || echo "   (exit $?, as expected)"
"$L" respond county-a/2026-0117 accept $B
"$L" refer $A --to police --case county-a/2026-0118 --reason suspected-crime --violation water \
	--title "涉嫌污染环境罪移送：暗管排放有毒物质" --related-case county-a/2026-0117 \
	--legal-basis "《刑法》第三百三十八条；《行政执法机关移送涉嫌犯罪案件的规定》" \
	--party "嘉兴某印染有限公司" --credit-code 91330400MA2B3C4D5E --site "3号排污口" \
	--facts "多次通过暗管排放含重金属废水；采样报告随附" --answer-by +7d
wait_for county-a county-b 2
wait_for police county-a 3

echo "== evidence: county A records its sampling report; county B fetches it (through the province) and recognises it"
report=$dir/county-a/sampling-report-outfall-3.txt
printf '采样报告 3号排污口 2026-11-20：COD 412 mg/L（限值 100）\n' >"$report"
ev=$("$L" evidence add county-a/2026-0117 "$report" --type sampling --collector "王执法员" \
	--region 330411 --site "3号排污口" $A --json | grep -o '"seq": [0-9]*' | grep -o '[0-9]*$')
wait_for county-b county-a "$ev"
"$L" evidence get "county-a:$ev" -o "$dir/county-b/copy-of-report.txt" --quiet $B
at=$("$L" evidence attest "county-a:$ev" --verdict recognised --file "$dir/county-b/copy-of-report.txt" \
	--notes "与南湖区提供的副本一致，予以认可" $B --json | grep -o '"seq": [0-9]*' | grep -o '[0-9]*$')
wait_for county-a county-b "$at"

echo "== monitoring: county B's border section (交界断面) reads COD beyond class III while"
echo "   county A's section upstream stays within it: B signs one early warning (上下游比对)"
"$L" monitor add-station $A --id county-a/S-UP --name "京杭运河 南湖新丰断面" --region 330402 \
	--medium water --class 3 --basin "京杭运河"
"$L" monitor add-station $B --id county-b/S-DOWN --name "京杭运河 秀洲—南湖交界断面" --region 330411 \
	--medium water --class 3 --basin "京杭运河" --border --upstream county-a/S-UP
now=$(date +%s)
{
	echo "time,COD(mg/L),NH3-N(mg/L),pH"
	for m in $(seq 59 -1 0); do echo "$(((now - m * 60) * 1000)),15.$((m % 7)),0.42,7.6"; done
} >"$dir/county-a/up.csv"
{
	echo "time,COD(mg/L),NH3-N(mg/L),pH"
	for m in $(seq 59 -1 0); do
		if [ "$m" -lt 20 ]; then cod=34.$((m % 5)); else cod=17.$((m % 7)); fi
		echo "$(((now - m * 60) * 1000)),$cod,0.61,7.4"
	done
} >"$dir/county-b/down.csv"
"$L" monitor push county-a/S-UP "$dir/county-a/up.csv" $A
up=$("$L" status $A --json | tr -d ' \n' | grep -o '"feed":"county-a","seq":[0-9]*,"id"' |
	grep -o '[0-9]*' | tail -1)
wait_for county-b county-a "$up"
"$L" monitor push county-b/S-DOWN "$dir/county-b/down.csv" $B
for _ in $(seq 300); do
	"$L" warnings $P --json 2>/dev/null | grep -q S-DOWN && break
	sleep 0.1
done
"$L" warnings $P

echo
echo "== the case as county A sees it (timeline, judged, with receipts):"
for _ in $(seq 100); do
	"$L" receipts county-a 1 $A | grep -q county-b && break
	sleep 0.1
done
"$L" show county-a/2026-0117 $A
echo
echo "== county A's referral at county C (not a party: header only, no case):"
"$L" get county-a 1 $C
"$L" show county-a/2026-0117 $C || echo "   (exit $?: county C holds no readable entry of this case)"
echo
echo "== county C does not acknowledge the emergency within 20 s: the province escalates it"
for _ in $(seq 600); do
	"$L" show province/A-2026-031 $P | grep -q ESCALATED && break
	sleep 0.1
done
"$L" show province/A-2026-031 $P
echo
echo "== the hand-over to the police, as the police unit sees it (every field):"
"$L" show county-a/2026-0118 -c "$dir/police/liandongd.conf"
echo
echo "== the roster as county A holds it (liandong roster list):"
"$L" roster list $A
echo
echo "== the province's command view (liandong view):"
"$L" view $P
cat <<MSG

The cluster is running (5 liandongd processes, data in $dir).
  command wall:        http://127.0.0.1:$(web_port_of province)/   (the province; open it in a browser)
  the others' walls:   county-a http://127.0.0.1:$(web_port_of county-a)/  county-b http://127.0.0.1:$(web_port_of county-b)/
                       county-c http://127.0.0.1:$(web_port_of county-c)/  police http://127.0.0.1:$(web_port_of police)/
  metrics, health:     http://127.0.0.1:$(web_port_of province)/metrics  /healthz
  command view:        $L view -c $dir/province/liandongd.conf [--watch] [--json]
  status of one node:  $L status -c $dir/county-a/liandongd.conf
  all nodes:           deploy/cluster.sh status
  stop it:             deploy/cluster.sh stop
MSG
