"""A real liandong cluster for the wall's browser test and benchmark: separate
liandongd processes with their own data directories on loopback, the
province's roster published, and liandong-web on the province's read-only
API. Every process is started and stopped by its PID; every wait is bounded.

    with LiveCluster(build_dir, ["county-a", "county-b"]) as c:
        c.start_all(); c.start_web("province")
        c.cli("county-a", "refer", "--to", "county-b", ...)
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

REGIONS = [("330000", "浙江省"), ("330400", "嘉兴市"), ("330402", "南湖区"),
           ("330411", "秀洲区"), ("330421", "嘉善县")]
UNITS = {  # id -> (name, kind, region)
    "province": ("浙江省生态环境执法指挥中心", "command-centre", "330000"),
    "county-a": ("嘉兴市南湖区生态环境分局", "bureau", "330402"),
    "county-b": ("嘉兴市秀洲区生态环境分局", "bureau", "330411"),
    "county-c": ("嘉善县生态环境分局", "bureau", "330421"),
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class LiveCluster:
    def __init__(self, build, counties, names=None, escalation_s=1):
        self.build = os.path.abspath(build)
        self.L = os.path.join(self.build, "client", "liandong")
        self.D = os.path.join(self.build, "server", "liandongd")
        self.W = os.path.join(self.build, "client", "web", "liandong-web")
        for b in (self.L, self.D, self.W):
            if not os.access(b, os.X_OK):
                raise FileNotFoundError("%s is not built (ninja -C %s)" % (b, build))
        # Short and private: the API sockets live here (107-byte limit).
        self.dir = tempfile.mkdtemp(prefix="ldw-", dir="/tmp")
        self.nodes = ["province"] + list(counties)
        self.names = dict((n, UNITS[n][0]) for n in self.nodes)
        self.names.update(names or {})
        self.escalation_s = escalation_s
        self.pids = {}  # (node, "daemon"|"web"|tag) -> Popen
        self.ports = dict((n, free_port()) for n in self.nodes)
        self.web_port = None
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.env.pop("LIANDONG_CONFIG", None)

    # ---- plumbing ----
    def conf(self, n):
        return os.path.join(self.dir, n, "liandongd.conf")

    def cli(self, node, *args, check=True, timeout=30):
        r = subprocess.run([self.L] + list(args) + ["-c", self.conf(node)],
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        if check and r.returncode != 0:
            raise RuntimeError("liandong %s on %s: exit %d: %s" %
                               (" ".join(args[:2]), node, r.returncode, r.stderr.strip()))
        return r

    def cli_json(self, node, *args):
        return json.loads(self.cli(node, *args, "--json").stdout)

    def wait(self, cond, timeout, what):
        end = time.time() + timeout
        while True:
            try:
                if cond():
                    return
            except (RuntimeError, ValueError, OSError):
                pass
            if time.time() > end:
                raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
            time.sleep(0.05)

    # ---- nodes ----
    def init(self):
        def api(n):
            return "ipc://%s/%s.sock" % (self.dir, n)
        p0 = self.ports["province"]
        subprocess.run([self.L, "init", "--id", "province", "--dir", os.path.join(self.dir, "province"),
                        "--root-node", "--bind", "tcp://127.0.0.1:%d" % p0, "--api", api("province"),
                        "--timezone", "Asia/Shanghai"], check=True, capture_output=True, env=self.env)
        pc = self.curve_pub("province")
        for n in self.nodes[1:]:
            subprocess.run([self.L, "init", "--id", n, "--dir", os.path.join(self.dir, n),
                            "--root", os.path.join(self.dir, "province", "root.pub"),
                            "--bind", "tcp://127.0.0.1:%d" % self.ports[n], "--api", api(n),
                            "--timezone", "Asia/Shanghai",
                            "--peer", "province=tcp://127.0.0.1:%d@%s" % (p0, pc)],
                           check=True, capture_output=True, env=self.env)
        with open(os.path.join(self.dir, "regions.tsv"), "w", encoding="utf-8") as f:
            for code, name in REGIONS:
                f.write("%s\t%s\n" % (code, name))
        with open(self.conf("province"), "a") as f:
            f.write("\n[escalation]\ninterval_s = %d\n" % self.escalation_s)
        for n in self.nodes:  # [web] last: a derived configuration may add to it
            with open(self.conf(n), "a") as f:
                f.write("\n[web]\nregions = ../regions.tsv\n")

    def curve_pub(self, n):
        with open(os.path.join(self.dir, n, n + ".curve")) as f:
            for line in f:
                if line.startswith("public"):
                    return line.split()[2]
        raise RuntimeError("no public key in %s.curve" % n)

    def start(self, n):
        log = open(os.path.join(self.dir, n, "liandongd.log"), "ab")
        self.pids[(n, "daemon")] = subprocess.Popen([self.D, "-c", self.conf(n)], stdin=subprocess.DEVNULL,
                                                    stdout=log, stderr=log, env=self.env)
        log.close()
        self.wait(lambda: self.cli(n, "status", check=False).returncode in (0, 1), 30,
                  "%s's daemon to answer" % n)

    def stop(self, n, what="daemon"):
        p = self.pids.pop((n, what), None)
        if not p or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def head(self, n, feed):
        for f in self.cli_json(n, "status")["feeds"]:
            if f["feed"] == feed:
                return f["seq"]
        return 0

    def start_all(self):
        self.init()
        self.start("province")
        for n in self.nodes:
            name, kind, region = UNITS[n]
            args = ["roster", "add", n, "--name", self.names[n], "--kind", kind, "--region", region,
                    "--sign-key-file", os.path.join(self.dir, n, n + ".key"),
                    "--curve-key-file", os.path.join(self.dir, n, n + ".curve")]
            if n != "province":
                args += ["--superior", "province"]
            self.cli("province", *args)
        top = self.head("province", "province")
        for n in self.nodes[1:]:
            self.start(n)
        for n in self.nodes[1:]:
            self.wait(lambda: self.head(n, "province") >= top, 60, "%s to hold the roster" % n)

    # ---- the wall ----
    def start_web(self, n="province", listen=None, conf=None, tag="web"):
        port = free_port()
        listen = listen or "127.0.0.1:%d" % port
        log = open(os.path.join(self.dir, n, tag + ".log"), "ab")
        args = [self.W, "--config", conf or self.conf(n), "--listen", listen]
        self.pids[(n, tag)] = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                               env=self.env)
        log.close()
        port = int(listen.rsplit(":", 1)[1])
        if not conf:
            def up():
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
                    return r.status == 200
            self.wait(up, 30, "%s's liandong-web" % n)
            if tag == "web":
                self.web_port = port
        return port

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.web_port, path)

    def close(self):
        for key in list(self.pids):
            self.stop(*key)
        if not os.environ.get("LD_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
