"""The web page (DESIGN.md §3 "web"): HTTP Basic auth with WEBU, the status
page, the settings form generated from the settings table with errors beside
their fields, the restart button, limits, and WEBPORT/WEBU taking effect at
restart; the factory password only giving the form to change it, throttled
logins, HTTPS, the traffic picture and the folded settings form. Two tests
drive it in headless Chromium, without JavaScript, and keep screenshots
under tests/artifacts/."""

import base64
import http.client as httpclient
import json
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(__file__))
import cdp  # noqa: E402
from harness import (TOP_BUILDDIR, TOP_SRCDIR, Daemon, Skip, free_port, hold_port,  # noqa: E402
                     run_tests, wait_for)


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


def http(port, method="GET", path="/", body=None, headers=None, creds=("admin", "pw123"),
         source=None):
    c = httpclient.HTTPConnection("127.0.0.1", port, timeout=20,
                                  source_address=(source, 0) if source else None)
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
    blocker = hold_port(port)
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
    blocker = hold_port(port)
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


def test_first_login_changes_the_factory_password(tmp):
    """ETSI EN 303 645 §5.1: with the factory admin/admin the page shows only
    a form to change them; no status, no settings; then the new ones work."""
    if not cdp.available():
        raise Skip("no %s" % cdp.CHROMIUM)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    art = artifacts_dir()
    new = "correct horse battery staple 0123456789 correct horse battery s!"   # 64 bytes
    assert len(new) == 64
    with web(tmp, port, password="admin") as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        factory = ("admin", "admin")
        for path in ("/settings", "/status.json"):
            st, _, body = http(port, path=path, creds=factory)
            assert st == 403 and "factory password" in body, (path, st, body[:200])
        st, _, body = http(port, "POST", "/restart", body={}, creds=factory)
        assert st == 403
        b = cdp.Browser(tmp, os.path.join(tmp, "chromium.log"))
        try:
            page = b.new_page(credentials=factory)
            assert page.goto(base + "/") == 200
            html = page.html()
            assert "<h2>Set a password</h2>" in html, html[:500]
            assert "<h2>Status</h2>" not in html and 'href="/settings"' not in html
            assert "TCPS" not in html and "serial.baud" not in html
            page.screenshot(os.path.join(art, "web-first-login.png"))
            # Two different passwords: refused, nothing saved.
            page.type_into('input[name="password"]', new)
            page.type_into('input[name="confirm"]', new[:-1])
            assert page.click("#change") == 400
            assert "The two passwords differ." in page.html("#banner")
            assert d.ctl("get", "web.password")[1] == "admin\n"
            page.type_into('input[name="password"]', new)
            page.type_into('input[name="confirm"]', new)
            assert page.click("#change") == 200
            assert "Password changed" in page.html()
            page.screenshot(os.path.join(art, "web-first-login-done.png"))
            d.wait_log("web: factory password changed from 127.0.0.1:")
            assert d.ctl("get", "web.password")[1] == new + "\n"
            # The new credentials work at once; the factory ones no longer.
            page = b.new_page(credentials=("admin", new))
            assert page.goto(base + "/") == 200
            assert "<h2>Status</h2>" in page.html()
            assert page.click('a[href="/settings"]') == 200
            assert 'name="serial.baud"' in page.html()
            assert not b.blocked, b.blocked
        finally:
            b.close()
        assert http(port, creds=factory)[0] == 401
        assert http(port, creds=("admin", new))[0] == 200
        # ... and after a restart, from the saved settings.
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl\)|restarted", 10)
        wait_for(lambda: http(port, creds=("admin", new))[0] == 200, what="page after restart")
        d.stop()


def test_long_password_from_config_and_ctl_not_at(tmp):
    """Up to 64 bytes from the config file and usrbridgectl; AT+WEBU keeps
    the device's 1-5 bytes (seed 000 §4.8)."""
    port = free_port()
    pw64 = "p" * 63 + "!"
    with web(tmp, port, password=pw64) as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        assert http(port, creds=("admin", pw64))[0] == 200
        assert http(port, creds=("admin", pw64[:5]))[0] == 401
        other = "q" * 64
        assert d.ctl("set", "web.password", other)[0] == 0
        assert d.ctl("get", "web.password")[1] == other + "\n"
        rc, _, err = d.ctl("set", "web.password", other + "q")
        assert rc != 0 and "must be 1 to 64 bytes" in err, err
        # Over AT: 6 bytes refused, 5 taken, as on the device.
        d.command_mode()
        assert b"+ERR" in d.at("AT+WEBU=admin,abcdef")
        assert d.ctl("get", "web.password")[1] == other + "\n"
        assert d.at("AT+WEBU=admin,abcde") == b"\r\n+OK\r\n"
        assert d.ctl("get", "web.password")[1] == "abcde\n"
        d.stop()


def test_failed_logins_are_throttled(tmp):
    """Per source address: a few wrong passwords are free, then 429 with
    Retry-After (even for the right password); another address is not
    held back; one log line per burst."""
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        codes = [http(port, creds=("admin", "guess%d" % i))[0] for i in range(8)]
        assert codes[:6] == [401] * 6 and codes[6:] == [429, 429], codes
        st, h, body = http(port)                       # right password, same source
        assert st == 429 and 1 <= int(h["Retry-After"]) <= 32, (st, h)
        assert "pw123" not in body
        assert http(port, source="127.0.0.2")[0] == 200   # another source
        time.sleep(int(h["Retry-After"]) + 0.2)
        assert http(port)[0] == 200                    # waited: let in, forgotten
        assert d.log_count(r"web: wrong user name or password from 127\.0\.0\.1:") == 1
        # A good login ended the burst: the next failure is logged again.
        assert http(port, creds=("admin", "nope"))[0] == 401
        d.wait_log(r"web: wrong user name or password from 127\.0\.0\.1:", count=2)
        assert d.log_count(r"web: wrong user name or password") == 2
        d.stop()


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def test_https(tmp):
    for tool in ("openssl", "curl"):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
            raise Skip("no " + tool)
    cert, key = make_cert(tmp)
    port = free_port()
    tls = 'tls_cert = "%s"; tls_key = "%s";' % (cert, key)
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                'web = { enabled = true; port = %d; password = "pw123"; %s };'
                % (free_port(), port, tls)) as d:
        d.start()
        d.wait_log("web: HTTPS with " + re.escape(cert))
        d.wait_log("web: listening on port %d" % port)
        url = "https://127.0.0.1:%d/" % port
        p = subprocess.run(["curl", "-sS", "--cacert", cert, "-u", "admin:pw123", "-o", "-",
                            "-w", "\n%{http_code}", url], capture_output=True, timeout=30)
        out = p.stdout.decode(errors="replace")
        assert p.returncode == 0 and out.endswith("\n200") and "<h2>Status</h2>" in out, \
            (p.returncode, out[-300:], p.stderr)
        p = subprocess.run(["curl", "-sS", "--cacert", cert, "-u", "admin:bad", "-o",
                            "/dev/null", "-w", "%{http_code}", url], capture_output=True, timeout=30)
        assert p.stdout == b"401", p.stdout
        # Without the certificate curl refuses; plain HTTP gets no page.
        p = subprocess.run(["curl", "-sS", "-u", "admin:pw123", url], capture_output=True,
                           timeout=30)
        assert p.returncode == 60, p.returncode      # peer certificate cannot be verified
        try:
            st = http(port)[0]
        except (httpclient.HTTPException, ConnectionError, OSError):
            st = None
        assert st != 200, st
        d.stop()
    # A bad path is a config error at start, with a clear message.
    with Daemon(tmp, 'web = { enabled = true; port = %d; tls_cert = "%s/nope.pem"; '
                'tls_key = "%s"; };' % (port, tmp, key), name="bad") as d:
        p = subprocess.run([os.environ.get("USRBRIDGED", "usrbridged"), "-t", "-c", d.conf_path],
                           capture_output=True, timeout=30)
        want = "web.tls_cert: cannot read %s/nope.pem: No such file or directory" % tmp
        assert p.returncode == 1 and want in p.stderr.decode(), p.stderr
        d.start(wait=False)
        assert d.proc.wait(10) == 1
        assert want in d.log(), d.log()


def test_traffic_picture(tmp):
    """Bytes per second per link and direction as inline SVG on the status
    page (well-formed XML, no external assets), which reloads itself."""
    port, lport = free_port(), free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                'web = { enabled = true; port = %d; password = "pw123"; };' % (lport, port)) as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        c = socket.create_connection(("127.0.0.1", lport), timeout=10)
        time.sleep(0.3)
        for _ in range(3):
            d.pty.write(b"x" * 3000)                  # serial -> network
            c.sendall(b"y" * 1000)                    # network -> serial
            time.sleep(1.0)
        st, _, page = http(port)
        c.close()
        assert st == 200
        assert re.search(r'<meta http-equiv="refresh" content="\d+">', page)
        svgs = re.findall(r"<svg .*?</svg>", page, re.S)
        assert len(svgs) == 1, page
        root = ET.fromstring(svgs[0])                  # well-formed
        assert root.tag == "svg" and root.find("title").text == "link1 (TCPS)"
        paths = root.findall("path")
        assert len(paths) == 2
        base = int(root.find("rect").get("y")) + int(root.find("rect").get("height"))
        # Both directions drawn above the base line somewhere.
        for p in paths:
            ys = [int(v) for v in re.findall(r"V(\d+)", p.get("d"))]
            assert ys and min(ys) < base, p.get("d")
        labels = [t.text for t in root.iter("text")]
        assert "now" in labels and "-10 min" in labels and any("B/s" in (t or "") for t in labels)
        assert "http://" not in page and "https://" not in page and "<script" not in page
        d.stop()


def test_settings_form_folds_what_the_mode_does_not_use(tmp):
    port = free_port()
    with web(tmp, port) as d:
        d.start()
        st, _, page = http(port, path="/settings")
        assert st == 200
        more = page.find('<details id="more"><summary>')
        assert more > 0, page
        for used in ("serial", "link1", "web", "tcps"):
            assert 0 < page.find("<legend>%s</legend>" % used) < more, used
        for unused in ("http", "heartbeat", "reg"):
            assert page.find("<legend>%s</legend>" % unused) > more, unused
        assert "<script" not in page
        d.stop()


def test_keepalive_on_page_connections(tmp):
    """TCP keepalive and TCP_USER_TIMEOUT on the web page's connections
    too (tcp.*): ss shows the keepalive timer of an open connection."""
    port = free_port()
    with web(tmp, port, 'tcp = { keepalive_idle = 7; };') as d:
        d.start()
        d.wait_log("web: listening on port %d" % port)
        c = httpclient.HTTPConnection("127.0.0.1", port, timeout=20)
        c.request("GET", "/status.json", headers={"Authorization": auth("admin", "pw123")})
        r = c.getresponse()
        r.read()
        assert r.status == 200
        out = subprocess.run(["ss", "-tno", "state", "established", "( sport = :%d )" % port],
                             capture_output=True, text=True).stdout
        assert "timer:(keepalive" in out, out
        c.close()
        d.stop()


def test_status_page_says_where_and_why(tmp):
    """Per link on the status page: where data goes, each peer with its own
    counters, and why a link is not up."""
    port, lport = free_port(), free_port()
    with web(tmp, port) as d:
        d.write_config('link1 = { mode = "TCPS"; port = %d; };\n'
                       'web = { enabled = true; port = %d; user = "admin"; password = "pw123"; };'
                       % (lport, port))
        d.start()
        c = socket.create_connection(("127.0.0.1", lport))
        d.wait_log("client 1 connected")
        d.pty.write(b"hello")
        assert c.recv(5) == b"hello"
        st, h, body = http(port)
        assert st == 200, st
        assert "listening on *:%d" % lport in body, body
        assert re.search(r'<tr class="peer">.*127\.0\.0\.1:\d+.*<td>5</td>', body), body
        assert "Counters since the daemon started" in body
        c.close()
        d.stop()
    dead = free_port()
    with web(tmp, port) as d:
        d.write_config('link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                       'web = { enabled = true; port = %d; user = "admin"; password = "pw123"; };'
                       % (dead, port))
        d.start()
        d.wait_log("cannot connect to 127.0.0.1:%d" % dead)
        body = http(port)[2]
        assert "to 127.0.0.1:%d" % dead in body, body
        assert re.search(r'<td>(backoff|connecting|down): [^<]*(next attempt|connecting)',
                         body), body
        d.stop()


run_tests(globals())
