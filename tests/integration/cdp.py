"""A small Chrome DevTools Protocol client for the web-page tests: headless
Chromium (Debian's /usr/bin/chromium) driven over --remote-debugging-pipe
(NUL-terminated JSON on fds 3 and 4), so no port is opened and nothing but
the standard library is needed.

Every request the browser makes passes through Fetch interception: only
http://127.0.0.1 and http://localhost are let through (DESIGN.md §4), and
HTTP Basic challenges are answered with the credentials the test gives."""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--mute-audio", "--hide-scrollbars", "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--window-size=1000,1400", "--remote-debugging-pipe",
]


class CDPError(Exception):
    pass


def available():
    return os.access(CHROMIUM, os.X_OK)


def local_url(url):
    u = urlsplit(url)
    return url == "about:blank" or (u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost"))


class Browser:
    def __init__(self, tmp, log_path):
        self.profile = os.path.join(tmp, "chromium-profile")
        os.makedirs(self.profile)
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # The child wants them as fds 3 and 4: move them out of the way first.
        a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 100)
        b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 101)
        os.close(to_child_r)
        os.close(from_child_w)

        def child_fds():
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [CHROMIUM] + FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(a)
        os.close(b)
        self.buf = b""
        self.next_id = 1
        self.events = []
        self.credentials = None     # (user, password) for Basic challenges
        self.auth_attempts = {}     # requestId -> answered challenges
        self.blocked = []           # URLs refused by the localhost rule

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()

    # --- transport -------------------------------------------------------------

    def _send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.to_child, data)
            data = data[n:]

    def _read_one(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for Chromium")
            r, _, _ = select.select([self.from_child], [], [], min(left, 1.0))
            if r:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise CDPError("Chromium closed the pipe (exit %s)" % self.proc.poll())
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def _handle(self, msg):
        """Answers interception events at once; keeps the others."""
        method, params, sid = msg.get("method"), msg.get("params", {}), msg.get("sessionId")
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if local_url(url):
                self._send({"id": self._id(), "sessionId": sid, "method": "Fetch.continueRequest",
                            "params": {"requestId": params["requestId"]}})
            else:
                self.blocked.append(url)
                self._send({"id": self._id(), "sessionId": sid, "method": "Fetch.failRequest",
                            "params": {"requestId": params["requestId"],
                                       "errorReason": "BlockedByClient"}})
            return
        if method == "Fetch.authRequired":
            rid = params["requestId"]
            n = self.auth_attempts.get(rid, 0)
            self.auth_attempts[rid] = n + 1
            if self.credentials and n == 0:
                resp = {"response": "ProvideCredentials", "username": self.credentials[0],
                        "password": self.credentials[1]}
            else:
                # Wrong the first time: give up, as a user cancelling the dialog.
                resp = {"response": "CancelAuth"}
            self._send({"id": self._id(), "sessionId": sid, "method": "Fetch.continueWithAuth",
                        "params": {"requestId": rid, "authChallengeResponse": resp}})
            return
        if "method" in msg:
            self.events.append(msg)

    def _id(self):
        self.next_id += 1
        return self.next_id

    def call(self, method, params=None, session=None, timeout=30):
        mid = self._id()
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_one(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._handle(m)

    def wait_event(self, method, session=None, timeout=30, pred=None):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method and (session is None or e.get("sessionId") == session) \
                        and (pred is None or pred(e["params"])):
                    del self.events[i]
                    return e["params"]
            self._handle(self._read_one(deadline))

    # --- pages ---------------------------------------------------------------------

    def new_page(self, credentials=None, javascript=False):
        """A tab with interception on; JavaScript off unless asked for (the
        page must work without it)."""
        self.credentials = credentials
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=sid)
        self.call("Network.enable", session=sid)
        self.call("Fetch.enable", {"handleAuthRequests": True,
                                   "patterns": [{"urlPattern": "*"}]}, session=sid)
        if not javascript:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=sid)
        return Page(self, sid)


class Page:
    def __init__(self, browser, sid):
        self.b = browser
        self.sid = sid

    def call(self, method, params=None, timeout=30):
        return self.b.call(method, params, self.sid, timeout)

    def _main_response(self, timeout):
        """Waits for the document's response and its load; returns the status."""
        resp = self.b.wait_event("Network.responseReceived", self.sid, timeout,
                                 lambda p: p.get("type") == "Document")
        self.b.wait_event("Page.loadEventFired", self.sid, timeout)
        return resp["response"]["status"]

    def goto(self, url, timeout=30):
        assert local_url(url), url
        self.b.events = [e for e in self.b.events if e.get("sessionId") != self.sid]
        self.call("Page.navigate", {"url": url})
        return self._main_response(timeout)

    def query(self, selector):
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise CDPError("no element matches %r" % selector)
        return node

    def html(self, selector="html"):
        return self.call("DOM.getOuterHTML", {"nodeId": self.query(selector)})["outerHTML"]

    def type_into(self, selector, text):
        """Replaces a text field's content by typing, as a user would."""
        self.call("DOM.focus", {"nodeId": self.query(selector)})
        self.call("Input.dispatchKeyEvent", {"type": "rawKeyDown", "modifiers": 2, "key": "a",
                                             "code": "KeyA", "windowsVirtualKeyCode": 65,
                                             "commands": ["selectAll"]})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "modifiers": 2, "key": "a",
                                             "code": "KeyA", "windowsVirtualKeyCode": 65})
        self.call("Input.insertText", {"text": text})

    def click(self, selector, timeout=30):
        """Clicks an element (scrolled into view) and waits for the page it loads."""
        node = self.query(selector)
        self.b.events = [e for e in self.b.events if e.get("sessionId") != self.sid]
        self.call("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quad = self.call("DOM.getContentQuads", {"nodeId": node})["quads"][0]
        x = sum(quad[0::2]) / 4
        y = sum(quad[1::2]) / 4
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "clickCount": 1})
        return self._main_response(timeout)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png",
                                                    "captureBeyondViewport": True})["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
