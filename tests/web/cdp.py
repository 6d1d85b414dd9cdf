"""A small Chrome DevTools Protocol client on the Python standard library:
starts Debian's chromium headless, opens a page, evaluates JavaScript, takes
screenshots, collects console messages and exceptions. No npm, no websocket
package: the WebSocket framing (RFC 6455, client side) is below.

    with Browser() as b:
        p = b.page("http://127.0.0.1:8481/", width=1920, height=1080)
        p.wait("document.querySelector('[data-case-id]') !== null")
        p.screenshot("/tmp/wall.png")
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time


class WS:
    def __init__(self, url, timeout=30):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.s = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key))
        self.s.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError("websocket handshake refused: %r" % head[:200])

    def send(self, text):
        data = text.encode()
        n = len(data)
        hdr = bytes([0x81])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.s.sendall(hdr + mask + masked)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            else:
                data = self._read(n)
            if op == 0x8:
                raise ConnectionError("websocket closed by peer")
            if op in (0x9, 0xA):  # ping/pong: not sent by chromium to clients
                continue
            msg += data
            if b0 & 0x80:
                return msg.decode()

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class Page:
    def __init__(self, browser, session):
        self.b = browser
        self.session = session
        self.console = []  # (type, text)
        self.exceptions = []

    def call(self, method, **params):
        return self.b.call(method, params, self.session)

    def eval(self, expr, await_promise=True):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=await_promise)
        if "exceptionDetails" in r:
            raise RuntimeError("page: %s: %s" % (expr[:80], json.dumps(r["exceptionDetails"])[:500]))
        return r["result"].get("value")

    def wait(self, expr, timeout=10.0, what=None):
        end = time.time() + timeout
        while True:
            try:
                v = self.eval(expr)
            except RuntimeError:  # mid-navigation: no document yet
                v = None
            if v:
                return v
            if time.time() > end:
                raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what or expr))
            self.b.pump(0.05)

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", format="png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path

    def size(self, width, height, scale=1):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=scale, mobile=False)


class Browser:
    def __init__(self, binary=None, timeout=30, extra_args=()):
        self.binary = binary or shutil.which("chromium") or shutil.which("chromium-browser")
        if not self.binary:
            raise FileNotFoundError("chromium not found (apt-get install chromium)")
        self.dir = tempfile.mkdtemp(prefix="ld-cdp-")
        self.proc = subprocess.Popen(
            [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--autoplay-policy=no-user-gesture-required",
             "--remote-debugging-port=0", "--user-data-dir=" + self.dir] + list(extra_args) + ["about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        end = time.time() + timeout
        while not (os.path.exists(port_file) and len(open(port_file).read().split("\n")) >= 2):
            if self.proc.poll() is not None or time.time() > end:
                self.close()
                raise RuntimeError("chromium did not start (DevToolsActivePort missing)")
            time.sleep(0.05)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = WS("ws://127.0.0.1:%s%s" % (port.strip(), path.strip()), timeout=timeout)
        self.next_id = 0
        self.pages = {}

    def call(self, method, params=None, session=None):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._event(m)

    def _event(self, m):
        p = self.pages.get(m.get("sessionId"))
        if not p:
            return
        if m.get("method") == "Runtime.consoleAPICalled":
            args = m["params"].get("args", [])
            p.console.append((m["params"].get("type"),
                              " ".join(str(a.get("value", a.get("description", ""))) for a in args)))
        elif m.get("method") == "Runtime.exceptionThrown":
            p.exceptions.append(json.dumps(m["params"].get("exceptionDetails", {}))[:800])
        elif m.get("method") == "Log.entryAdded":
            e = m["params"]["entry"]
            p.console.append((e.get("level"), e.get("text", "")))

    def pump(self, seconds):
        """Read events for a while (they arrive between calls otherwise)."""
        self.ws.s.settimeout(seconds)
        try:
            while True:
                self._event(json.loads(self.ws.recv()))
        except (socket.timeout, TimeoutError):
            pass
        finally:
            self.ws.s.settimeout(30)

    def page(self, url, width=1920, height=1080, scale=1):
        tid = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        p = Page(self, sid)
        self.pages[sid] = p
        p.call("Runtime.enable")
        p.call("Log.enable")
        p.call("Page.enable")
        p.size(width, height, scale)
        p.goto(url)
        return p

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
