"""The web page (DESIGN.md §3 "web"): HTTP Basic auth with WEBU, the status
page, the settings form generated from the settings table with errors beside
their fields, the restart button, limits, and WEBPORT/WEBU taking effect at
restart. The last test drives it in headless Chromium, without JavaScript,
and keeps screenshots under tests/artifacts/."""

import base64
import http.client as httpclient
import json
import os
import re
import socket
import sys
import time
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(__file__))
import cdp  # noqa: E402
from harness import TOP_BUILDDIR, TOP_SRCDIR, Daemon, Skip, free_port, run_tests, wait_for  # noqa: E402


def artifacts_dir():
    """tests/artifacts of the source tree (git-ignored), or of the build tree
    when the source tree is read-only (make distcheck)."""
    d = os.environ.get("USRB_ARTIFACTS")
    if d:
        return d
    src = os.path.join(TOP_SRCDIR, "tests")
    if os.access(src, os.W_OK):
        return os.path.join(src, "artifacts")
    return os.path.join(TOP_BUILDDIR, "tests", "artifacts")


def web(tmp, port, extra="", user="admin", password="pw123", **kw):
    return Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                  'web = { enabled = true; port = %d; user = "%s"; password = "%s"; };\n%s'
                  % (free_port(), port, user, password, extra), **kw)


def auth(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def http(port, method="GET", path="/", body=None, headers=None, creds=("admin", "pw123")):
    c = httpclient.HTTPConnection("127.0.0.1", port, timeout=20)
    h = dict(headers or {})
    if creds:
        h["Authorization"] = auth(*creds)
    if isinstance(body, dict):
        body = urlencode(body)
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read().decode(errors="replace")
    c.close()
    return r.status, dict(r.getheaders()), data


def test_basic_auth(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        st, h, body = http(port, creds=None)
        assert st == 401 and h["WWW-Authenticate"].startswith('Basic realm="usrbridged"'), (st, h)
        assert "pw123" not in body
        for creds in (("admin", "pw12"), ("admin", "pw1234"), ("Admin", "pw123"), ("", "")):
            assert http(port, creds=creds)[0] == 401, creds
        st, h, body = http(port, headers={"Authorization": "Basic !!notbase64"}, creds=None)
        assert st == 401
        d.wait_log("web: wrong user name or password from 127.0.0.1:")
        st, h, body = http(port)
        assert st == 200 and "<h2>Status</h2>" in body and "TCPS" in body, (st, body[:300])
        assert h["Content-Type"] == "text/html; charset=utf-8"
        assert "script" not in body.lower() and "http://" not in body and "https://" not in body
        st, h, body = http(port, path="/status.json")
        assert st == 200 and json.loads(body)["web_port"] == port
        assert http(port, path="/nope")[0] == 404
        assert http(port, "POST", "/", body={})[0] == 405
        assert http(port, "PUT", "/settings", body="x")[0] in (405, 501)
        d.stop()


def fields(page):
    return set(re.findall(r'name="([a-z0-9_.]+)"', page))


def test_settings_form_follows_the_table(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        st, _, page = http(port, path="/settings")
        assert st == 200
        names = fields(page)
        # AT-visible settings of the 30X; not the config-only ones, not the 721's.
        for key in ("serial.baud", "serial.parity", "link1.mode", "link1.host", "link1.port",
                    "link1.local_port", "web.port", "web.user", "web.password", "device.name",
                    "tcps.max_clients", "heartbeat.data", "http.url", "reg.cloud_password"):
            assert key in names, key
        for key in ("personality", "state_dir", "serial.device", "control.socket",
                    "network.allow_out", "serial.pack_len", "link2.mode", "link1.enabled"):
            assert key not in names, key
        # Secrets are never sent to the browser.
        assert "pw123" not in page
        assert re.search(r'<input type="password" id="f-web.password" name="web.password" '
                         r'value=""', page)
        assert '<span class="at">AT+SOCK</span>' in page
        d.stop()


def test_save_validates_like_at(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        # One bad field: nothing is saved, the error stands beside it.
        st, _, page = http(port, "POST", "/settings",
                           body={"device.name": "Line 7", "link1.port": "70000",
                                 "serial.parity": "EVEN"})
        assert st == 400, st
        m = re.search(r'<div class="row bad"><label for="f-link1.port">.*?</div>', page)
        assert m and "must be an integer from 1 to 65535" in m.group(0), page
        assert 'value="70000"' in m.group(0)
        assert d.ctl("get", "MID")[1] == "USR-TCP232-30X\n"
        assert not os.path.exists(os.path.join(d.state_dir, "settings.conf"))
        # All good: saved at once, as over AT, and shown by usrbridgectl.
        st, h, page = http(port, "POST", "/settings",
                           body={"device.name": "Line 7", "link1.port": "7000",
                                 "serial.parity": "EVEN", "web.password": ""})
        assert st == 303 and h["Location"] == "/settings?saved=3", (st, h)
        assert d.ctl("get", "MID")[1] == "Line 7\n"
        assert d.ctl("get", "UART")[1] == "115200,8,1,EVEN,NFC\n"
        assert d.ctl("get", "web.password")[1] == "pw123\n"    # empty secret: unchanged
        st, _, page = http(port, path="/settings?saved=3")
        assert "Saved 3 settings. Changes take effect at the next restart." in page
        assert 'value="Line 7"' in page
        # Unchanged form: nothing to save.
        st, h, _ = http(port, "POST", "/settings", body={"device.name": "Line 7"})
        assert st == 303 and h["Location"] == "/settings?saved=0"
        # Not-on-the-form names are ignored, never set.
        http(port, "POST", "/settings", body={"serial.device": "/dev/null", "state_dir": "/"})
        assert d.ctl("get", "serial.device")[1] == d.tty_link + "\n"
        d.stop()


def test_limits_and_cross_site_posts(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        st, _, _ = http(port, "POST", "/settings", body="device.name=" + "x" * 100000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 413, st
        st, _, body = http(port, "POST", "/settings", body={"device.name": "evil"},
                           headers={"Origin": "http://attacker.example"})
        assert st == 403 and "another site" in body
        st, _, _ = http(port, "POST", "/settings", body={"device.name": "ok"},
                        headers={"Origin": "http://127.0.0.1:%d" % port})
        assert st == 303
        st, _, _ = http(port, "POST", "/settings", body="device.name=x",
                        headers={"Content-Type": "text/plain"})
        assert st == 415
        # Headers beyond the cap.
        st, _, _ = http(port, headers={"X-Big": "y" * 20000})
        assert st in (400, 413, 431), st
        assert d.ctl("get", "MID")[1] == "ok\n"
        d.stop()


def test_restart_button(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        st, _, page = http(port, "POST", "/restart", body={})
        assert st == 200 and "Restarting" in page
        d.wait_log(r"restarted \(web page\)")
        assert http(port)[0] == 200
        d.stop()


def test_webport_and_webu_take_effect_at_restart(tmp):
    p1, p2 = free_port(), free_port()
    with web(tmp, p1) as d:
        d.start()
        assert d.ctl("at", "AT+WEBPORT=%d" % p2)[0] == 0
        assert d.ctl("set", "WEBU", "boss,hello")[0] == 0
        # Saved, not applied yet (seed 000 §2).
        assert http(p1)[0] == 200
        d.ctl("restart")
        d.wait_log("web: listening on port %d" % p2)
        assert http(p2, creds=("boss", "hello"))[0] == 200
        assert http(p2)[0] == 401
        try:
            http(p1)
            assert False, "the old port still answers"
        except ConnectionRefusedError:
            pass
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["web_port"] == p2
        d.stop()


def test_port_in_use_and_disabled(tmp):
    port = free_port()
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    with web(tmp, port) as d:
        d.start()
        d.wait_log("web: cannot listen on port %d: .*; running without the web page" % port)
        assert d.ctl("status")[1].endswith("web      off\n")
        # ... and it comes up at a restart once the port is free.
        blocker.close()
        d.ctl("restart")
        d.wait_log("web: listening on port %d" % port)
        assert http(port)[0] == 200
        d.stop()
    port = free_port()
    with Daemon(tmp, 'web = { enabled = false; port = %d; };' % port, name="off") as d:
        d.start()
        time.sleep(0.2)
        try:
            http(port)
            assert False, "web page served with web.enabled = false"
        except ConnectionRefusedError:
            pass
        d.stop()


def test_allow_in_guards_the_page(tmp):
    port = free_port()
    with web(tmp, port, 'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "10.0.0.0/8" ]; };') as d:
        d.start()
        st, _, body = http(port)
        assert st == 403 and "allow_in" in body
        d.stop()


def test_in_chromium(tmp):
    if not cdp.available():
        raise Skip("no %s" % cdp.CHROMIUM)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    art = artifacts_dir()
    with web(tmp, port, password="s3cr3") as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        b = cdp.Browser(tmp, os.path.join(tmp, "chromium.log"))
        try:
            # A wrong password: the browser is refused.
            page = b.new_page(credentials=("admin", "wrong"))
            assert page.goto(base + "/") == 401
            assert "401 Unauthorized" in page.html()
            # Logged in: status page, then the settings form.
            page = b.new_page(credentials=("admin", "s3cr3"))
            assert page.goto(base + "/") == 200
            assert "<h2>Status</h2>" in page.html()
            page.screenshot(os.path.join(art, "web-status.png"))
            assert page.click('a[href="/settings"]') == 200
            # A bad value first: the error stands beside the field.
            page.type_into('input[name="link1.port"]', "99999")
            assert page.click("#save") == 400
            row = page.html("div.row.bad")
            assert 'name="link1.port"' in row and "must be an integer from 1 to 65535" in row, row
            page.screenshot(os.path.join(art, "web-settings-error.png"))
            # Corrected, plus the module name: saved.
            page.type_into('input[name="link1.port"]', "8234")
            page.type_into('input[name="device.name"]', "Pump room 2")
            assert page.click("#save") == 200
            assert "Saved 2 settings" in page.html("#banner")
            page.screenshot(os.path.join(art, "web-settings-saved.png"))
            assert d.ctl("get", "MID") == (0, "Pump room 2\n", "")
            assert d.ctl("get", "link1.port") == (0, "8234\n", "")
            # The restart button.
            assert page.click("#restart") == 200
            d.wait_log(r"restarted \(web page\)")
            assert not b.blocked, b.blocked
        finally:
            b.close()
        d.stop()


def test_busy_port_comes_back(tmp):
    """The web page's port held by another program: status and STATUS= say
    why, and it listens once the port is free, with no restart."""
    port = free_port()
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    with web(tmp, port) as d:
        d.start()
        d.wait_log("web: cannot listen on port %d" % port)
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["web_port"] == 0 and st["web_listen"] == "*:%d" % port, st
        assert st["web_why"].startswith("*:%d busy (Address already in use)" % port), st
        assert "web      not listening: *:%d busy" % port in d.ctl("status")[1]
        blocker.close()
        d.wait_log("web: listening on port %d" % port, 15)
        assert http(port)[0] == 200
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["web_port"] == port and st["web_why"] == "", st
        d.stop()


def test_web_bind_address(tmp):
    """web.bind: the page on 127.0.0.2 only."""
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                'web = { enabled = true; port = %d; user = "admin"; password = "pw123"; '
                'bind = "127.0.0.2"; };' % (free_port(), port)) as d:
        d.start()
        d.wait_log("web: listening on port %d of 127.0.0.2" % port)
        c = httpclient.HTTPConnection("127.0.0.2", port, timeout=20)
        c.request("GET", "/", headers={"Authorization": auth("admin", "pw123")})
        assert c.getresponse().status == 200
        try:
            http(port)
            assert False, "web page served on 127.0.0.1 too"
        except ConnectionRefusedError:
            pass
        assert json.loads(d.ctl("status", "--json")[1])["web_listen"] == "127.0.0.2:%d" % port
        d.stop()


run_tests(globals())
