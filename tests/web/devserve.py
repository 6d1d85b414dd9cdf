#!/usr/bin/env python3
"""Serve the command wall page without liandong-web, for development and tests.

    tests/web/devserve.py [--port 8481] [--fixtures DIR] [--view FILE]
    tests/web/devserve.py --live CONF [--liandong PATH] [--regions FILE]
    tests/web/devserve.py --write-fixtures DIR   (from DIR/*.raw.json)

Serves client/web/assets/ at / with the contract's CSP header
(default-src 'self'), and the JSON endpoints of docs (/work/notes/web-contract):

  /api/view /api/roster /api/status     DIR/view.json, roster.json, status.json
  /api/case/<ID> /api/action/<ID>       DIR/case-<ID, '/' as '_'>.json, action-...
  /events                               Server-Sent Events: a ': ping' every 5 s,
                                        'change' and 'daemon' events as below

Control endpoints (GET) for tests:
  /_dev/change               send `event: change` to every /events client
  /_dev/daemon?up=0|1        send `event: daemon`; while down /api/* answer 503
  /_dev/view?name=FILE       serve DIR/FILE as /api/view, then send a change
  /_dev/serve?path=P&name=F  serve DIR/F at /api/ path P (name= empty: undo)
  /_dev/drop                 close every /events stream and answer 503 to new
                             ones (the web server gone); /_dev/undrop ends it
  /_dev/clients              how many /events streams are open

With --live CONF the documents come from a running node instead (the real
`liandong view/show/status/roster list --json` of that node, with the fields
liandong-web adds), and a change is sent when the node's feed heads move
(`liandong status --json`, checked every 0.5 s: this stand-in polls; the real
server waits on the daemon).

The fields the web server adds to the CLI's documents (top-level node,
as_of_ms, zone; per region answer_hist and answer_buckets_ms; the roster in the
contract's shape with region names and parents) are made by augment_view() and
make_roster() below, as the contract describes them.
"""
import argparse
import hashlib
import http.server
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.parse

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(TOP, "client", "web", "assets")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}
ASSET_NAMES = {"/": "index.html", "/index.html": "index.html", "/app.js": "app.js",
               "/app.css": "app.css", "/i18n.js": "i18n.js"}
CSP = "default-src 'self'"

# Upper bounds of the answer-time buckets (ms) the fixtures use: 1 min, 10 min,
# 1 h, 4 h, 1 d, 3 d, 7 d, 14 d, 30 d. The page draws whatever it is given.
BUCKETS_MS = [60000, 600000, 3600000, 14400000, 86400000, 259200000, 604800000,
              1209600000, 2592000000]
ZONE = {"name": "Asia/Shanghai", "offset_min": 480}


def read_regions(path):
    """CODE<TAB>NAME lines -> {code: name} ([web] regions = FILE)."""
    names = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#") or "\t" not in line:
                    continue
                code, name = line.split("\t", 1)
                names[code.strip()] = name.strip()
    return names


def parent_code(code):
    """GB/T 2260: county 330402 -> prefecture 330400 -> province 330000."""
    if len(code) != 6 or not code.isdigit():
        return None
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:] != "0000":
        return code[:2] + "0000"
    return None


def make_roster(raw, names):
    members = [{"id": m["node"], "name": m.get("name", ""), "kind": m.get("kind", ""),
                "region": m.get("region", ""), "region_name": names.get(m.get("region", ""), ""),
                "superior": m.get("superior"), "revoked": bool(m.get("revoked"))}
               for m in raw.get("members", [])]
    codes = set(names)
    for m in members:
        if m["region"]:
            codes.add(m["region"])
    todo = list(codes)
    while todo:  # every ancestor too
        p = parent_code(todo.pop())
        if p and p not in codes:
            codes.add(p)
            todo.append(p)
    regions = [{"code": c, "name": names.get(c, ""), "parent": parent_code(c)}
               for c in sorted(codes)]
    return {"members": members, "regions": regions}


def augment_view(view, roster_raw, as_of_ms=None):
    """Add what liandong-web adds: node, as_of_ms, zone, and per region
    answer_hist/answer_buckets_ms. The histogram is computed from the answered
    cases of the view (the answering unit's region), as the store's per-unit
    histograms would count them."""
    region_of = {m["node"]: m.get("region", "") for m in roster_raw.get("members", [])}
    hist = {}
    for c in view.get("cases", []):
        if c.get("answered_ms", 0) > 0 and c.get("referred_ms", 0) > 0:
            t = c["answered_ms"] - c["referred_ms"]
            r = region_of.get(c.get("holder", ""), "")
            h = hist.setdefault(r, [0] * len(BUCKETS_MS))
            for i, ub in enumerate(BUCKETS_MS):
                if t <= ub or i == len(BUCKETS_MS) - 1:
                    h[i] += 1
                    break
    for r in view.get("regions", []):
        r["answer_buckets_ms"] = BUCKETS_MS
        r["answer_hist"] = hist.get(r["region"], [0] * len(BUCKETS_MS))
    view["as_of_ms"] = as_of_ms if as_of_ms is not None else view.get("now_ms", 0) + 4
    view["zone"] = ZONE
    return view


def fixture_name(kind, ident):
    return "%s-%s.json" % (kind, ident.replace("/", "_"))


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.clients = []  # one queue per open /events stream
        self.daemon_up = True
        self.dropped = False
        self.view_name = args.view
        self.overrides = {}  # /api/ path -> file of --fixtures (/_dev/serve)

    def broadcast(self, event, data):
        msg = ("event: %s\ndata: %s\n\n" % (event, json.dumps(data))).encode()
        with self.lock:
            for q in self.clients:
                q.put(msg)

    def close_all(self):
        with self.lock:
            for q in self.clients:
                q.put(None)


def run_cli(args, *cmd):
    out = subprocess.run([args.liandong, *cmd, "-c", args.live, "--json"],
                         capture_output=True, timeout=30)
    if out.returncode != 0:
        raise OSError(out.stderr.decode(errors="replace").strip() or "liandong failed")
    return json.loads(out.stdout)


def live_doc(state, path):
    a = state.args
    if path == "/api/view":
        roster = run_cli(a, "roster", "list")
        return augment_view(run_cli(a, "view"), roster, int(time.time() * 1000))
    if path == "/api/roster":
        return make_roster(run_cli(a, "roster", "list"), read_regions(a.regions))
    if path == "/api/status":
        return run_cli(a, "status")
    for kind in ("case", "action"):
        pre = "/api/%s/" % kind
        if path.startswith(pre):
            return run_cli(a, "show", path[len(pre):])
    return None


def fixture_doc(state, path):
    d = state.args.fixtures
    if path in state.overrides:
        name = state.overrides[path]
    elif path == "/api/view":
        name = state.view_name
    elif path in ("/api/roster", "/api/status"):
        name = path[5:] + ".json"
    elif path.startswith("/api/case/"):
        name = fixture_name("case", path[10:])
    elif path.startswith("/api/action/"):
        name = fixture_name("action", path[12:])
    else:
        return None
    p = os.path.join(d, os.path.basename(name))
    if not os.path.exists(p):
        return None
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def make_handler(state):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            if state.args.verbose:
                sys.stderr.write("devserve: " + fmt % a + "\n")

        def send(self, code, body, ctype="application/json; charset=utf-8"):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(u.path)
            qs = urllib.parse.parse_qs(u.query)
            if path in ASSET_NAMES:
                name = ASSET_NAMES[path]
                with open(os.path.join(ASSETS, name), "rb") as f:
                    return self.send(200, f.read(), TYPES[os.path.splitext(name)[1]])
            if path == "/events":
                return self.events()
            if path.startswith("/_dev/"):
                return self.dev(path[6:], qs)
            if path.startswith("/api/"):
                if not state.daemon_up:
                    return self.send(503, json.dumps({"error": "daemon not answering"}))
                try:
                    doc = (live_doc if state.args.live else fixture_doc)(state, path)
                except (OSError, ValueError, subprocess.TimeoutExpired) as e:
                    return self.send(502, json.dumps({"error": str(e)}))
                if doc is None:
                    return self.send(404, json.dumps({"error": "not found: " + path}))
                return self.send(200, json.dumps(doc, ensure_ascii=False))
            if path == "/healthz":
                return self.send(200 if state.daemon_up else 503, "ok\n", "text/plain")
            return self.send(404, "not found\n", "text/plain")

        def dev(self, what, qs):
            if what == "change":
                state.broadcast("change", {"as_of_ms": int(time.time() * 1000), "heads": "dev"})
            elif what == "daemon":
                state.daemon_up = qs.get("up", ["1"])[0] not in ("0", "false")
                state.broadcast("daemon", {"up": state.daemon_up,
                                           "since_ms": int(time.time() * 1000)})
            elif what == "view":
                state.view_name = os.path.basename(qs.get("name", ["view.json"])[0])
                state.broadcast("change", {"as_of_ms": int(time.time() * 1000), "heads": "dev"})
            elif what == "serve":  # serve another file of DIR at an /api/ path
                state.overrides[qs.get("path", [""])[0]] = os.path.basename(qs.get("name", [""])[0])
            elif what == "drop":
                state.dropped = True
                state.close_all()
            elif what == "undrop":
                state.dropped = False
            elif what != "clients":
                return self.send(404, "unknown control\n", "text/plain")
            with state.lock:
                n = len(state.clients)
            return self.send(200, json.dumps({"ok": True, "clients": n}))

        def events(self):
            if state.dropped:
                return self.send(503, "gone\n", "text/plain")
            q = queue.Queue()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with state.lock:
                state.clients.append(q)
            try:
                self.wfile.write(b"retry: 1000\n\n")
                self.wfile.flush()
                while True:
                    try:
                        msg = q.get(timeout=5)
                    except queue.Empty:
                        msg = b": ping\n\n"
                    if msg is None:
                        break
                    self.wfile.write(msg)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with state.lock:
                    state.clients.remove(q)

    return H


def watch_live(state):
    """--live: a change event when the node's feed heads move."""
    last = None
    while True:
        try:
            st = run_cli(state.args, "status")
            heads = hashlib.sha256(json.dumps(st.get("feeds", []), sort_keys=True)
                                   .encode()).hexdigest()[:16]
            if not state.daemon_up:
                state.daemon_up = True
                state.broadcast("daemon", {"up": True, "since_ms": int(time.time() * 1000)})
            if heads != last and last is not None:
                state.broadcast("change", {"as_of_ms": int(time.time() * 1000), "heads": heads})
            last = heads
        except (OSError, ValueError, subprocess.TimeoutExpired):
            if state.daemon_up:
                state.daemon_up = False
                state.broadcast("daemon", {"up": False, "since_ms": int(time.time() * 1000)})
        time.sleep(0.5)


def write_fixtures(d, regions):
    with open(os.path.join(d, "roster.raw.json"), encoding="utf-8") as f:
        roster_raw = json.load(f)
    with open(os.path.join(d, "view.raw.json"), encoding="utf-8") as f:
        view = augment_view(json.load(f), roster_raw)
    out = {"view.json": view, "roster.json": make_roster(roster_raw, read_regions(regions))}
    for name, doc in out.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print("devserve: wrote", ", ".join(sorted(out)), "in", d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8481)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--fixtures", default=os.path.join(TOP, "tests", "web", "fixtures"))
    ap.add_argument("--view", default="view.json", help="file of --fixtures served as /api/view")
    ap.add_argument("--live", metavar="CONF", help="a node's liandongd.conf: serve its documents")
    ap.add_argument("--liandong", default=os.path.join(TOP, "build", "client", "liandong"))
    ap.add_argument("--regions", default=os.path.join(TOP, "tests", "web", "fixtures",
                                                      "regions.tsv"))
    ap.add_argument("--write-fixtures", metavar="DIR")
    ap.add_argument("--port-file", help="write the port bound here (with --port 0)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.write_fixtures:
        write_fixtures(args.write_fixtures, args.regions)
        return
    state = State(args)
    srv = http.server.ThreadingHTTPServer((args.bind, args.port), make_handler(state))
    srv.daemon_threads = True
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    if args.live:
        threading.Thread(target=watch_live, args=(state,), daemon=True).start()
    print("devserve: http://%s:%d/ (%s)" % (args.bind, port, args.live or args.fixtures),
          flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
