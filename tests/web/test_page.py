#!/usr/bin/env python3
"""The command wall page in a real browser (Debian's chromium, headless, over
the DevTools protocol), served by tests/web/devserve.py from the fixtures
captured on a real cluster (tests/web/mkfixtures.sh). It does not need
liandong-web: it tests the page's own behaviour.

    python3 tests/web/test_page.py [--out DIR] [--keep]

Checks: what the wall shows from the fixtures (most urgent first, participant
states, overdue, escalations, a decline's reason, early warnings with the open
ones first, times in the node's zone);
node text with <script>, markup and terminal escapes shown as text; a change
event updates the page without a reload; the banner on a daemon event and on a
lost /events stream, cleared on recovery; drill-down into a case and an action
and back with Escape; English by the toggle, remembered; no CSP violation or
script error; 1,000 case rows rendered (the time printed, not checked).
Screenshots at 1920x1080, 3840x2160 and 1280x800 go to --out (default
build/web-screens). Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from cdp import Browser  # noqa: E402

FIX = os.path.join(HERE, "fixtures")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def load(name):
    with open(os.path.join(FIX, name), encoding="utf-8") as f:
        return json.load(f)


def save(d, name, doc):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


def make_fixtures(d):
    """The captured fixtures plus derived views for the live and hostile checks."""
    for n in os.listdir(FIX):
        if n.endswith(".json"):
            shutil.copy(os.path.join(FIX, n), d)
    view = load("view.json")
    # A referral made at a county after the page loaded.
    v2 = copy.deepcopy(view)
    new = copy.deepcopy(v2["cases"][1])
    new.update({"case": "county-b/2026-0999", "title": "新移送：秀洲区交界处渣土偷倒",
                "referrer": "county-b", "holder": "county-a"})
    v2["cases"].insert(0, new)
    v2["cases_total"] += 1
    v2["as_of_ms"] += 60000
    save(d, "view-2.json", v2)
    # A title with a terminal escape and markup, a unit name with a bidi override.
    v3 = copy.deepcopy(view)
    v3["cases"][0]["title"] = "\x1b[31m红色<img src=x onerror=\"window.__xss=1\"><b>粗</b>\x07"
    v3["cases"][0]["case"] = "county-c/\x1b]0;evil\x07"
    v3["actions"][0]["title"] = "<script>window.__xss=2</script>\u202e反向"
    save(d, "view-hostile.json", v3)
    roster = load("roster.json")
    for m in roster["members"]:
        if m["id"] == "county-c":
            m["name"] = "嘉善县\u202egnp.exe<i>斜</i>"
    save(d, "roster-hostile.json", roster)
    # A big store: 1,000 case rows, 60 actions, 100 regions, 300 units.
    big = make_big(view, 1000)
    bd = os.path.join(d, "big")
    os.mkdir(bd)
    save(bd, "view.json", big[0])
    save(bd, "roster.json", big[1])
    return d


def make_big(view, n):
    now = view["as_of_ms"]
    members, regions = [], [{"code": "330000", "name": "浙江省", "parent": None}]
    codes = []
    for p in range(1, 11):
        pc = "33%02d00" % p
        regions.append({"code": pc, "name": "第%d市" % p, "parent": "330000"})
        for c in range(1, 10):
            cc = "33%02d%02d" % (p, c)
            codes.append(cc)
            regions.append({"code": cc, "name": "第%d市第%d县" % (p, c), "parent": pc})
    for i in range(300):
        members.append({"id": "unit-%03d" % i, "name": "第%03d生态环境分局" % i, "kind": "bureau",
                        "region": codes[i % len(codes)], "region_name": "", "superior": "province",
                        "revoked": False})
    members.append({"id": "province", "name": "浙江省生态环境执法指挥中心", "kind": "command-centre",
                    "region": "330000", "region_name": "浙江省", "superior": None, "revoked": False})
    cases = []
    for i in range(n):
        st = ["awaiting answer", "accepted", "rejected", "need-info"][i % 4]
        cases.append({"case": "unit-%03d/2026-%04d" % (i % 300, i), "status": st,
                      "awaiting": st == "awaiting answer", "referrer": "unit-%03d" % (i % 300),
                      "holder": "unit-%03d" % ((i * 7 + 1) % 300), "referred_ms": now - i * 600000,
                      "answer_by_ms": now + 86400000 - i * 3600000, "answered_ms": 0 if i % 4 == 0 else now - i * 1000,
                      "overdue": i % 4 == 0 and i % 3 == 0, "title": "第%d件：跨界案件移送，河道偷排与固废倾倒" % i})
    actions = []
    states = ["no answer", "acknowledged", "accepted", "declined", "on site", "in progress", "completed"]
    for i in range(60):
        parts = [{"node": "unit-%03d" % ((i * 5 + k) % 300), "role": "support", "state": states[(i + k) % 7],
                  "acknowledged": (i + k) % 7 != 0, "overdue": (i + k) % 7 == 0 and i % 2 == 0,
                  "escalated": (i + k) % 14 == 0, "visible": True} for k in range(5)]
        actions.append({"action": "province/A-%04d" % i, "priority": ["emergency", "urgent", "routine"][i % 3],
                        "kind": ["emergency response", "joint inspection", "special campaign"][i % 3],
                        "active": True, "dispatcher": "province", "ack_by_ms": now - 60000 + i * 60000,
                        "title": "第%d次联合行动：流域交界断面巡查" % i, "not_visible": 0, "participants": parts})
    regs = [{"region": c, "referrals_out": (j * 3) % 17, "referrals_in": (j * 5) % 13, "awaiting": j % 4,
             "overdue": 1 if j % 9 == 0 else 0, "median_answer_ms": 3600000 * (j % 5) - 1,
             "answer_buckets_ms": view["regions"][0]["answer_buckets_ms"],
             "answer_hist": [(j + b) % 6 for b in range(len(view["regions"][0]["answer_buckets_ms"]))]}
            for j, c in enumerate(codes)]
    v = dict(view, cases=cases, actions=actions, regions=regs, cases_total=1000000,
             cases_awaiting=250000, cases_overdue=83334)
    return v, {"members": members, "regions": regions}


class Server:
    def __init__(self, fixtures):
        self.dir = tempfile.mkdtemp(prefix="ld-web-")
        pf = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "devserve.py"), "--port", "0",
                                      "--port-file", pf, "--fixtures", fixtures],
                                     stdout=subprocess.DEVNULL)
        end = time.time() + 10
        while not os.path.exists(pf):
            if time.time() > end or self.proc.poll() is not None:
                raise RuntimeError("devserve did not start")
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s/" % open(pf).read().strip()

    def dev(self, what):
        with urllib.request.urlopen(self.url + "_dev/" + what, timeout=10) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


RENDERED = "document.documentElement.hasAttribute('data-render-ms')"
LIVE = "document.documentElement.getAttribute('data-live') == 'open'"


def text(p, sel):
    return p.eval("(function(){var e=document.querySelector(%s);return e?e.textContent:null})()" % json.dumps(sel))


def key(p, k, code=27):
    for t in ("keyDown", "keyUp"):
        p.call("Input.dispatchKeyEvent", type=t, key=k, code=k, windowsVirtualKeyCode=code)


def run(out):
    tmp = tempfile.mkdtemp(prefix="ld-web-fix-")
    make_fixtures(tmp)
    srv = Server(tmp)
    try:
        with Browser() as b:
            wall(b, srv, out)
            live(b, srv)
            hostile(b, srv)
            drill(b, srv, out)
            english(b, srv, out)
        srv.stop()
        srv = Server(os.path.join(tmp, "big"))
        with Browser() as b:
            big(b, srv, out)
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def wall(b, srv, out):
    p = b.page(srv.url, 1920, 1080)
    p.wait(RENDERED, 15, "the first render")
    check(p.eval("document.getElementById('banner').hidden") is True, "banner hidden while connected")
    ids = p.eval("[...document.querySelectorAll('#actions [data-action-id]')].map(e=>e.dataset.actionId)")
    check(ids[:2] == ["province/A-2026-031", "province/A-2026-032"],
          "emergency first, then urgent: %s" % ids)
    c = p.eval("(function(){var e=document.querySelector('[data-action-id=\"province/A-2026-031\"] [data-node=\"county-c\"]');"
               "return e&&[e.dataset.partState,e.classList.contains('overdue'),e.classList.contains('escalated'),e.textContent]})()")
    check(c and c[0] == "no answer" and c[1] and c[2] and "未确认" in c[3] and "督办" in c[3],
          "the unacknowledged county is 未确认, overdue and 督办: %s" % c)
    check(p.eval("document.querySelector('[data-action-id=\"province/A-2026-031\"]').classList.contains('alarm')"),
          "an action with an overdue participant flashes (class alarm)")
    states = p.eval("[...document.querySelectorAll('#actions [data-part-state]')].map(e=>e.dataset.partState)")
    for s in ("acknowledged", "on site", "completed", "declined", "no answer"):
        check(s in states, "participant state %r shown" % s)
    p.wait("(document.querySelector('[data-part-state=\"declined\"] .p-reason')||{}).textContent", 5,
           "the decline's reason")
    check("无法抽调" in text(p, "[data-part-state='declined'] .p-reason"), "a decline shows its reason")
    check(text(p, "#as-of") == "数据截至 19:23:43", "as-of in the node's zone (Asia/Shanghai): %r" % text(p, "#as-of"))
    rows = p.eval("[...document.querySelectorAll('[data-case-id]')].map(e=>e.dataset.caseId)")
    check(rows[0] == "county-c/2026-0043" and len(rows) == 4, "cases: overdue first (%s)" % rows)
    t = text(p, "[data-case-id='county-c/2026-0043'] .c-title")
    check(t == "跨界案件移送：<script>alert('x')</script> 固废倾倒点", "a <script> title is shown as text: %r" % t)
    check(p.eval("document.scripts.length") == 2, "no script element from the node's data")
    regions = p.eval("[...document.querySelectorAll('#regions [data-region]')].map(e=>e.dataset.region+':'+e.querySelector('.tile-name').textContent)")
    check("330000:浙江省" in regions and "330400:嘉兴市" in regions and "330411:秀洲区" in regions,
          "region names in their hierarchy: %s" % regions)
    check(p.eval("document.querySelector('[data-region=\"330411\"] .tile').classList.contains('sev-late')"),
          "a region with an overdue referral is coloured late")
    check(p.eval("document.querySelectorAll('#regions svg.hist-svg rect').length") > 0, "answer-time bar charts drawn in SVG")
    warns = p.eval("[...document.querySelectorAll('#warnings [data-warning]')].map(e=>[e.dataset.warning,"
                   "e.classList.contains('open'),e.querySelector('.flag').textContent,e.textContent])")
    check(len(warns) == 2 and warns[0][0] == "county-b:57" and warns[0][1] and warns[0][2] == "上下游比对"
          and "持续中" in warns[0][3] and "county-a/S-UP" in warns[0][3] and not warns[1][1]
          and warns[1][2] == "突变", "early warnings: the open one first, its rule in Chinese: %s" % warns)
    check(text(p, "#warnings-count") == "近 7 日 2 条 · 持续超标 1 条",
          "the warnings' count: %r" % text(p, "#warnings-count"))
    p.eval("document.getElementById('sound-toggle').click()")
    check(p.eval("document.getElementById('sound-toggle').getAttribute('aria-pressed')") == "true",
          "the sound switches on (off by default)")
    p.screenshot(os.path.join(out, "wall-1920x1080.png"))
    for w, h in ((3840, 2160), (1280, 800)):
        q = b.page(srv.url, w, h)
        q.wait(RENDERED, 15)
        b.pump(0.5)
        q.screenshot(os.path.join(out, "wall-%dx%d.png" % (w, h)))
        fs = q.eval("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        check(fs >= 13 and (w < 3000 or fs >= 39), "root font at %dx%d: %.1f px" % (w, h, fs))
        q.call("Page.close")
    bad = [m for m in p.console if "Content Security Policy" in m[1] or m[0] == "error" and "favicon" not in m[1]
           and "404" not in m[1]]
    check(not bad and not p.exceptions, "no CSP violation, no script error: %s %s" % (bad, p.exceptions))
    p.call("Page.close")


def live(b, srv):
    p = b.page(srv.url, 1920, 1080)
    p.wait(RENDERED, 15)
    p.wait("window.__wall.stats.renders >= 1 && document.querySelectorAll('[data-case-id]').length == 4", 5)
    p.wait(LIVE, 5, "the /events stream open")
    p.eval("window.__marker = 42")
    t0 = time.time()
    srv.dev("view?name=view-2.json")
    p.wait("!!document.querySelector('[data-case-id=\"county-b/2026-0999\"]')", 5, "the new referral")
    dt = time.time() - t0
    check(p.eval("window.__marker") == 42, "the change came without a reload")
    check(dt < 1.0, "change event to row on the page: %.0f ms" % (dt * 1000))
    srv.dev("daemon?up=0")
    p.wait("!document.getElementById('banner').hidden", 5, "the banner on daemon down")
    bt = text(p, "#banner")
    check(bt.startswith("连接中断 自 ") and "数据截至 19:24" in bt, "banner: %r" % bt)
    srv.dev("daemon?up=1")
    p.wait("document.getElementById('banner').hidden", 5, "the banner cleared on daemon up")
    check(True, "banner cleared when the daemon is back")
    srv.dev("drop")
    p.wait("!document.getElementById('banner').hidden", 5, "the banner on a lost /events stream")
    check("连接中断" in text(p, "#banner"), "banner when /events is lost")
    srv.dev("undrop")
    p.wait("document.getElementById('banner').hidden", 10, "the banner cleared after /events reconnects")
    check(True, "banner cleared when /events is back (EventSource reconnected)")
    srv.dev("view?name=view.json")
    p.call("Page.close")


def hostile(b, srv):
    srv.dev("view?name=view-hostile.json")
    srv.dev("serve?path=/api/roster&name=roster-hostile.json")
    p = b.page(srv.url, 1920, 1080)
    p.wait(RENDERED, 15)
    p.wait("!!document.querySelector('#cases .c-title')", 5)
    t = text(p, "#cases .c-title")
    check(t == "\\x1b[31m红色<img src=x onerror=\"window.__xss=1\"><b>粗</b>\\x07",
          "terminal escape and markup shown as text: %r" % t)
    ids = p.eval("[...document.querySelectorAll('[data-case-id]')].map(e=>e.dataset.caseId)")
    check("county-c/\\x1b]0;evil\\x07" in ids, "control characters in an id shown escaped")
    at = text(p, "#actions .a-title")
    check(at == "<script>window.__xss=2</script>\\u202e反向", "bidi override shown: %r" % at)
    names = p.eval("[...document.querySelectorAll('[data-node=\"county-c\"] .p-name')].map(e=>e.textContent)")
    check(names and names[0] == "嘉善县\\u202egnp.exe<i>斜</i>", "a unit name from the roster as text: %s" % names)
    check(p.eval("document.querySelectorAll('img, b:not(:empty):not(:only-child) b, i:not(.dot)').length + "
                 "[...document.querySelectorAll('b')].filter(e=>!/^[0-9]+$/.test(e.textContent)).length") == 0,
          "no element made from node text (the page's own <b> hold only counts)")
    check(p.eval("window.__xss === undefined"), "no script from node text ran")
    srv.dev("view?name=view.json")
    srv.dev("serve?path=/api/roster&name=roster.json")
    p.call("Page.close")


def drill(b, srv, out):
    p = b.page(srv.url, 1920, 1080)
    p.wait(RENDERED, 15)
    p.eval("document.querySelector('[data-case-id=\"county-a/2026-0117\"]').click()")
    p.wait("document.querySelectorAll('#detail .tl-entry').length > 0", 5, "the case's timeline")
    check(not p.eval("document.getElementById('detail').hidden"), "clicking a case opens its page")
    with open(os.path.join(FIX, "case-county-a_2026-0117.json"), encoding="utf-8") as f:
        n_tl = len(json.load(f)["timeline"])
    check(p.eval("document.querySelectorAll('#detail .tl-entry').length") == n_tl,
          "%d signed entries in the timeline (as the case document holds)" % n_tl)
    check(p.eval("document.querySelectorAll('#detail .rcpt:not(.none)').length") >= 8, "receipts shown")
    check(p.eval("document.querySelectorAll('#detail .ev .att').length") == 1, "the evidence's attestation")
    check(p.eval("document.querySelectorAll('#detail .ev .cus').length") == 2, "the evidence's custody chain")
    check(p.eval("document.querySelectorAll('#detail .cp').length") == 3, "3 remediation checkpoints")
    check("整改完成后" in text(p, "#detail .as"), "the assessment")
    p.screenshot(os.path.join(out, "case-1920x1080.png"))
    key(p, "Escape")
    p.wait("document.getElementById('detail').hidden", 3, "Escape back to the wall")
    check(p.eval("getComputedStyle(document.getElementById('wall')).display") != "none", "Escape returns to the wall")
    p.eval("document.querySelector('[data-action-id=\"province/A-2026-032\"]').click()")
    p.wait("document.querySelectorAll('#detail .bcard').length == 3", 5, "the action's board")
    check("无法抽调" in text(p, "#detail .bcard[data-node='county-c']"), "the board shows the decline's reason")
    check(p.eval("document.querySelectorAll('#detail .k-escalation').length") == 1, "the escalation in the action's timeline")
    p.screenshot(os.path.join(out, "action-1920x1080.png"))
    p.eval("document.getElementById('back').click()")
    p.wait("document.getElementById('detail').hidden", 3, "the back button")
    check(True, "one click back to the wall")
    p.call("Page.close")


def english(b, srv, out):
    p = b.page(srv.url + "?lang=en", 1920, 1080)
    p.wait(RENDERED, 15)
    check(text(p, ".brand-title") == "Command wall", "?lang=en gives English")
    check(p.eval("document.documentElement.lang") == "en", "html lang en")
    s = text(p, "[data-action-id='province/A-2026-031'] [data-node='county-c'] .p-state")
    check(s == "not acknowledged", "participant state in English: %r" % s)
    p.screenshot(os.path.join(out, "wall-en-1920x1080.png"))
    p.call("Page.close")
    p = b.page(srv.url, 1920, 1080)
    p.wait(RENDERED, 15)
    check(text(p, ".brand-title") == "联动指挥墙", "Chinese by default")
    p.eval("document.getElementById('lang-toggle').click()")
    check(text(p, ".brand-title") == "Command wall", "the toggle switches to English")
    p.goto(srv.url)
    p.wait("document.readyState == 'complete' && " + RENDERED, 15)
    check(text(p, ".brand-title") == "Command wall", "the choice is remembered (localStorage)")
    p.eval("document.getElementById('lang-toggle').click()")  # leave it Chinese
    p.call("Page.close")


def big(b, srv, out):
    times = []
    for i in range(3):
        p = b.page(srv.url, 1920, 1080)
        p.wait(RENDERED, 30)
        n = p.eval("document.querySelectorAll('[data-case-id]').length")
        times.append(float(p.eval("document.documentElement.getAttribute('data-render-ms')")))
        if i == 0:
            check(n == 1000, "1,000 case rows rendered")
            p.screenshot(os.path.join(out, "wall-big-1920x1080.png"))
        p.call("Page.close")
    times.sort()
    # A figure, not a check (speed targets live in tests/bench/bench_wall.py).
    print("first render of 1,000 cases, 60 actions, 90 regions: %s ms (median %.1f)" %
          (", ".join("%.1f" % t for t in times), times[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(TOP, "build", "web-screens"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    try:
        run(args.out)
    except Exception as e:  # a timeout or a dead browser is a failure with its reason
        failures.append("%s: %s" % (type(e).__name__, e))
        print("FAIL", failures[-1])
    print("screenshots in", args.out)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
