#!/usr/bin/env python3
"""The command wall on a real cluster, in a real browser.

    python3 tests/web/test_wall_live.py --build build [--out DIR]

Starts a province and two county bureaus (separate liandongd processes, own
data directories, CurveZMQ on loopback), the province's liandong-web on its
read-only API, and Debian's chromium (headless, DevTools protocol), then:

  - a referral made at county A (its title and the county's name carrying
    <script> and markup) appears on the province's wall without a reload,
    shown as text; terminal escapes are refused by the node before signing;
  - an urgent joint action whose acknowledgement deadline passes turns the
    participant that did not acknowledge to overdue on the wall;
  - stopping the province's daemon shows the connection-lost banner, starting
    it again clears it (the page recovers by itself);
  - the wall served beyond loopback (0.0.0.0, TLS, accounts) refuses a request
    without credentials (401, nothing of the wall) and serves the wall with
    them.

Screenshots go to --out (default BUILD/web-screens). Exit 0 when every check
passes, 1 when one fails, 77 (skip) when chromium is not installed.
"""
import argparse
import base64
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cdp import Browser  # noqa: E402
from livecluster import LiveCluster, free_port  # noqa: E402

failures = []

CASE = "county-a/2026-0501"
TITLE = "跨界案件移送：<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">印染废水"
COUNTY_A = "南湖区分局<script>window.__xss=3</script><b>粗</b>"
ACTION = "province/A-2026-0601"
LIVE = "document.documentElement.getAttribute('data-live') == 'open'"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def js(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shot(p, out, name):
    path = os.path.join(out, "live-" + name + ".png")
    p.screenshot(path)
    print("     screenshot " + path, flush=True)


def referral(c, p, out):
    p.eval("window.__marker = 'same page'; window.__scripts = document.scripts.length; 1")
    t0 = time.time()
    c.cli("county-a", "refer", "--to", "county-b", "--case", CASE, "--title", TITLE,
          "--violation", "water", "--region", "330411", "--facts",
          "3号排污口 COD 412 mg/L（标准限值 100）", "--answer-by", "+14d")
    sel = "document.querySelector('[data-case-id=%s]')" % js(CASE)
    p.wait("!!" + sel, 20, "the referral on the province's wall")
    check(True, "a referral made at county A appears on the province's wall (%.2f s after "
          "`liandong refer` returned)" % (time.time() - t0))
    check(p.eval("window.__marker") == "same page", "without a reload (the page's state survived)")
    row = p.eval(sel + ".textContent")
    check("<script>window.__xss=1</script>" in row, "the title's <script> shown as text: %r" % row[:120])
    check(p.eval("typeof window.__xss") == "undefined", "no markup from the node ran")
    check(p.eval("document.scripts.length") == p.eval("window.__scripts"), "no script element added")
    check(p.eval("document.images.length == 0 && !Array.from(document.querySelectorAll('b'))"
                 ".some(function (e) { return e.textContent == '粗'; })"),
          "no element made from node text (no <img>, no <b>粗</b>)")
    # The county's name from the roster, also as text.
    p.wait("document.body.textContent.indexOf(%s) >= 0" % js(COUNTY_A), 10,
           "the county's name on the wall")
    check(True, "the county's name with <script> shown as text")
    # Terminal escapes never reach a feed: the node refuses them before signing.
    before = c.head("county-a", "county-a")
    r = c.cli("county-a", "refer", "--to", "county-b", "--title", "红色\x1b[31m警报\x07",
              "--violation", "water", "--facts", "x", check=False)
    check(r.returncode == 2 and "--title" in r.stderr and "control character" in r.stderr,
          "a title with terminal escapes is refused, naming the field (exit %d: %s)" %
          (r.returncode, r.stderr.strip()[:100]))
    check(c.head("county-a", "county-a") == before, "nothing signed for the refused title")
    shot(p, out, "referral")


def overdue(c, p, out):
    c.cli("province", "dispatch", "--action", ACTION, "--kind", "joint-inspection", "--priority", "urgent",
          "--title", "联合执法：红旗塘交界河道联合检查", "--participant", "county-a:lead",
          "--participant", "county-b:support", "--ack-by", "+10s",
          "--instructions", "各单位到 12 号桥集合")
    deadline = time.time() + 10
    chip = "document.querySelector('[data-action-id=%s] [data-node=%s]')"
    a, b = chip % (js(ACTION), js("county-a")), chip % (js(ACTION), js("county-b"))
    p.wait("!!" + b, 20, "the action's board on the wall")
    before = not p.eval(b + ".classList.contains('overdue')")
    if time.time() < deadline - 1:  # a loaded machine may show the board late
        check(before, "county B not overdue before its deadline")
    c.wait(lambda: c.cli("county-a", "ack", ACTION, check=False).returncode == 0, 20,
           "county A to acknowledge (once it holds the action)")
    p.wait(a + ".getAttribute('data-part-state') != 'awaiting acknowledgement' && "
           "!" + a + ".classList.contains('unack')", 20, "county A's acknowledgement on the wall")
    check(True, "county A's acknowledgement shown without a reload")
    p.wait(b + ".classList.contains('overdue')", 40, "county B overdue on the wall")
    check(True, "the missed acknowledgement deadline turns county B to overdue")
    check(not p.eval(a + ".classList.contains('overdue')"), "county A, which acknowledged, is not overdue")
    check("逾期" in p.eval(b + ".textContent"), "the overdue flag reads 逾期")
    check(p.eval("window.__marker") == "same page", "still without a reload")
    shot(p, out, "overdue")


def banner(c, p, out):
    check(p.eval("document.getElementById('banner').hidden") is True, "no banner while connected")
    c.stop("province")
    p.wait("!document.getElementById('banner').hidden", 20, "the connection-lost banner")
    bt = p.eval("document.getElementById('banner').textContent")
    check(bt.startswith("连接中断") and "数据截至" in bt, "the banner when the daemon stops: %r" % bt)
    shot(p, out, "daemon-down")
    c.start("province")
    p.wait("document.getElementById('banner').hidden", 30, "the banner cleared")
    check(True, "the banner clears when the daemon is back")
    check(p.eval("window.__marker") == "same page", "recovered by itself, without a reload")


def beyond_loopback(c, b, out):
    d = os.path.join(c.dir, "province")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", os.path.join(d, "web.key"),
                    "-out", os.path.join(d, "web.crt")], check=True, capture_output=True)
    line = subprocess.run([c.W, "passwd", "viewer1"], input="correct horse\n", text=True,
                          capture_output=True, check=True).stdout
    with open(os.path.join(d, "web.accounts"), "w") as f:
        f.write(line)
    conf = os.path.join(d, "web-tls.conf")
    with open(c.conf("province")) as f:
        base = f.read()
    with open(conf, "w") as f:
        f.write(base + "\ntls_cert = web.crt\ntls_key = web.key\naccounts = web.accounts\n")
    port = free_port()
    c.start_web("province", listen="0.0.0.0:%d" % port, conf=conf, tag="web-tls")
    url = "https://127.0.0.1:%d/" % port
    p = b.page("about:blank")

    def loaded(u):
        # Headless chromium has no login dialog: a 401 asking for HTTP Basic
        # credentials ends on its error page, with the response's status.
        p.eval("window.__old = 1")
        p.goto(u)
        p.wait("!window.__old && document.readyState == 'complete'", 20, u)
        return p.eval("performance.getEntriesByType('navigation')[0].responseStatus")

    c.wait(lambda: loaded(url) in (401, 200), 30, "the TLS wall to answer")
    status = loaded(url)
    check(status == 401, "beyond loopback, a request without credentials gets %s (401 expected)" % status)
    check(p.eval("!document.getElementById('banner') && !document.getElementById('wall')"),
          "and nothing of the wall (%s)" % p.eval("location.href"))
    shot(p, out, "beyond-loopback-401")
    auth = base64.b64encode(b"viewer1:correct horse").decode()
    p.call("Network.enable")
    p.call("Network.setExtraHTTPHeaders", headers={"Authorization": "Basic " + auth})
    status = loaded(url)
    check(status == 200, "with credentials over TLS: %s" % status)
    p.wait(LIVE + " && !!document.querySelector('[data-case-id=%s]')" % js(CASE), 20,
           "the wall over TLS with credentials")
    check(True, "the wall renders over TLS with an account, live")
    shot(p, out, "beyond-loopback-tls")
    c.stop("province", "web-tls")
    with open(os.path.join(d, "web-tls.log"), encoding="utf-8") as f:
        log = f.read()
    check("login refused: user '' from 127.0.0.1: no credentials" in log, "the refused login is logged")
    check("login accepted: user 'viewer1' from 127.0.0.1" in log, "the accepted login is logged")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--out")
    args = ap.parse_args()
    out = args.out or os.path.join(args.build, "web-screens")
    os.makedirs(out, exist_ok=True)
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("SKIP: chromium is not installed (deploy/install-deps.sh installs it)")
        return 77
    with LiveCluster(args.build, ["county-a", "county-b"], names={"county-a": COUNTY_A}) as c:
        c.start_all()
        c.start_web("province")
        print("     cluster in %s, the province's wall on %s" % (c.dir, c.url()), flush=True)
        with Browser(extra_args=["--ignore-certificate-errors"]) as b:
            p = b.page(c.url())
            p.wait(LIVE + " && document.documentElement.hasAttribute('data-render-ms')", 30,
                   "the wall's first render")
            check(True, "the province's wall is up and live")
            for step in (referral, overdue, banner):
                try:
                    step(c, p, out)
                except (TimeoutError, RuntimeError) as e:
                    check(False, "%s: %s" % (step.__name__, e))
                    shot(p, out, step.__name__ + "-failed")
            try:
                beyond_loopback(c, b, out)
            except (TimeoutError, RuntimeError, subprocess.CalledProcessError) as e:
                check(False, "beyond_loopback: %s" % e)
            # The browser logs the 503s it got while the daemon was stopped
            # (on purpose); anything else is a fault of the page.
            errs = [m for m in p.console if m[0] == "error" and "status of 503" not in m[1]] + p.exceptions
            check(not errs, "no script error or CSP violation on the wall: %s" % errs[:3])
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
