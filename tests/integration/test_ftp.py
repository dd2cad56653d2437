"""The 721's FTP download for the MCU (PROTOCOLS.md §5) against a real FTP
server: Debian's pyftpdlib on loopback with a user and password, in a
process of its own so it can be stopped mid-transfer and started again. The
MCU's side is tools/usrb-ftp-client (Client), driven over the pty. The
download inside frame mode (AT+CIMOD=1) is here too; the rest of frame mode
is test_frame.py."""

import json
import os
import random
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Server, free_port, load_tool, random_bytes,  # noqa: E402
                     run_tests, wait_for)

fc = load_tool("usrb-ftp-client")

USER, PASSWORD = "mcu", "s3cret"

FTP_SERVER = r"""
import logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import FTPServer
port, root, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
logging.basicConfig(level=logging.WARNING)
auth = DummyAuthorizer()
auth.add_user(sys.argv[4], sys.argv[5], root, perm="elr")
class Handler(FTPHandler):
    authorizer = auth
    def on_file_sent(self, file):
        print("sent", file, flush=True)
    def on_incomplete_file_sent(self, file):
        print("incomplete", file, flush=True)
if rate:
    class Slow(ThrottledDTPHandler):
        write_limit = rate
    Handler.dtp_handler = Slow
server = FTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
"""


class FtpServer:
    """pyftpdlib serving root on 127.0.0.1:port; rate: bytes/s of the data
    connection (0: unthrottled)."""

    def __init__(self, root, port=None, rate=0):
        self.root = root
        self.port = port or free_port()
        self.rate = rate
        self.proc = None
        os.makedirs(root, exist_ok=True)

    def start(self):
        interp = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        self.proc = subprocess.Popen([interp, "-c", FTP_SERVER, str(self.port), self.root,
                                      str(self.rate), USER, PASSWORD],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        assert line == "ready", "pyftpdlib did not start: %r" % line
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def url(self, name, password=PASSWORD):
        return "ftp://%s:%s@127.0.0.1:%d/%s" % (USER, password, self.port, name)

    def put(self, name, data):
        with open(os.path.join(self.root, name), "wb") as f:
            f.write(data)
        return data

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def daemon(tmp, settings=""):
    # link1 (factory: test.usr.cn) goes to loopback in every test.
    if "link1" not in settings:
        settings += '\nlink1 = { enabled = false; host = "127.0.0.1"; port = 9; };'
    return Daemon(tmp, settings, personality="gprs232-721")


def client(d, timeout=5.0):
    return fc.Client(d.pty.master, timeout=timeout,
                     log=lambda m: print("# client: " + m, flush=True))


def status(d):
    return json.loads(d.ctl("status", "--json")[1])["ftp"]


def tcpc_links(servers):
    """link1... as TCP clients of the recording servers."""
    return "".join('link%d = { enabled = true; mode = "TCPC"; host = "127.0.0.1"; '
                   'port = %d; };\n' % (i + 1, s.port) for i, s in enumerate(servers))


def fetch_all(c, size):
    """Every packet in random order, some twice; returns the file."""
    n = (size + 255) // 256
    order = list(range(n))
    random.Random(size).shuffle(order)
    again = random.Random(size + 1).sample(range(n), min(n, 20))
    parts = {}
    for i in order + again:
        p = c.get(i)
        if i in parts:
            assert p == parts[i], "packet %d differs the second time" % i
        parts[i] = p
        assert len(p) == min(256, size - 256 * i), (i, len(p))
    return b"".join(parts[i] for i in range(n))


def test_sizes_every_packet_in_random_order(tmp):
    """Files of 0, 1, 255, 256, 257 bytes and 1 MiB: FTP_INFO's size,
    CRC-32 and packet count are right, every packet fetched in random order
    (some twice) matches the file byte for byte, the packet after the last
    gets NAK, FTP_END deletes the file."""
    with FtpServer(os.path.join(tmp, "ftp")) as srv:
        with daemon(tmp) as d:
            d.start()
            c = client(d)
            for size in (0, 1, 255, 256, 257, 1 << 20):
                name = "f%d.bin" % size
                data = srv.put(name, random_bytes(size, seed=size))
                c.start(srv.url(name))
                st, fsize, crc, packets = c.info(60)
                assert (st, fsize, crc, packets) == (0, size, zlib.crc32(data),
                                                     (size + 255) // 256), (size, st, fsize)
                assert fetch_all(c, size) == data, size
                try:
                    c.get(packets)
                    raise AssertionError("packet %d of %d: no NAK" % (packets, packets))
                except fc.Nak:
                    pass
                s = status(d)
                assert s["state"] == "complete" and s["bytes"] == size, s
                assert s["url"] == "ftp://%s:***@127.0.0.1:%d/%s" % (USER, srv.port, name), s
                assert PASSWORD not in d.ctl("status")[1]
                c.end()
                # The ACK goes out before the file is deleted.
                wait_for(lambda: not any(n.startswith("ftp-download")
                                         for n in os.listdir(d.state_dir)), 5, "no file")
                assert status(d)["session"] == "idle"
            assert d.log_count(r"ftp: .*FTP_END, file deleted") == 6
            d.stop()


def test_resumes_after_the_server_stopped_mid_transfer(tmp):
    """A throttled server killed in the middle of the transfer and started
    again: the download resumes where it stopped (REST), status shows the
    progress and the retry, and the CRC-32 of the whole file is right."""
    root = os.path.join(tmp, "ftp")
    size = 384 * 1024
    srv = FtpServer(root, rate=64 * 1024).start()
    data = srv.put("fw.bin", random_bytes(size, seed=7))
    try:
        with daemon(tmp) as d:
            d.start()
            c = client(d)
            c.start(srv.url("fw.bin"))
            wait_for(lambda: status(d)["bytes"] >= 64 * 1024, 30, "64 KiB downloaded")
            s = status(d)
            assert s["state"] == "downloading" and s["total"] == size, s
            assert 0 < s["rate"], s
            assert "downloading" in d.ctl("status")[1]
            srv.stop()
            wait_for(lambda: status(d)["retries"] >= 1, 30, "a retry")
            got = status(d)["bytes"]
            assert 0 < got < size, got
            # An FTP_START of the same URL meanwhile: busy, the same download.
            c.start(srv.url("fw.bin"))
            srv = FtpServer(root, port=srv.port).start()
            st, fsize, crc, packets = c.info(60)
            assert (st, fsize, crc) == (0, size, zlib.crc32(data)), (st, fsize, crc)
            assert fetch_all(c, size) == data
            s = status(d)
            assert s["retries"] >= 1 and s["crc32"] == "%08x" % zlib.crc32(data), s
            d.wait_log(r"ftp: .*resuming from byte [1-9]")
            c.end()
            d.stop()
    finally:
        srv.stop()


def test_failures_give_status_2(tmp):
    """A wrong password, a missing file, a file over ftp.max_size, a server
    that is not there (ftp.retries used up) and a malformed URL: ACK, then
    FTP_INFO status 2 with zeros; FTP_GET is refused with NAK until FTP_END,
    and status says why."""
    with FtpServer(os.path.join(tmp, "ftp")) as srv:
        srv.put("big.bin", random_bytes(5000, seed=3))
        srv.put("ok.bin", b"x")
        with daemon(tmp, "ftp = { max_size = 4096; retries = 1; };") as d:
            d.start()
            c = client(d)
            cases = [
                (srv.url("ok.bin", password="wrong"), "(?i)login|denied|530"),
                (srv.url("missing.bin"), "(?i)550|not found|no such|does not exist"),
                (srv.url("big.bin"), "larger than ftp.max_size"),
                ("ftp://u:p@127.0.0.1:%d/x" % free_port(), "gave up after 1 retry"),
                ("http://127.0.0.1/x", "malformed"),
            ]
            for url, why in cases:
                c.start(url)
                info = c.info(60)
                assert info == (2, 0, 0, 0), (url, info)
                try:
                    c.get(0)
                    raise AssertionError("FTP_GET after a failure: no NAK")
                except fc.Nak:
                    pass
                s = status(d)
                assert s["session"] == "failed", s
                import re
                assert re.search(why, s["why"]), (url, s)
                c.end()
            # The same session works afterwards.
            assert c.download(srv.url("ok.bin")) == b"x"
            d.stop()


def test_daemon_restarted_between_start_and_end(tmp):
    """The file and what it is survive a daemon restart: the MCU goes on
    fetching packets without a new FTP_START, an FTP_START of the same URL
    needs no second download (the server is gone by then), and a daemon
    stopped in the middle of a download resumes it when it starts again."""
    root = os.path.join(tmp, "ftp")
    size = 70000
    with FtpServer(root) as srv:
        data = srv.put("qr.png", random_bytes(size, seed=11))
        d = daemon(tmp)
        try:
            d.start()
            c = client(d)
            c.start(srv.url("qr.png"))
            assert c.info(60)[0] == 0
            first = c.get(3)
            d.stop()
            srv.stop()
            d.start()
            c = client(d)
            assert c.get(3) == first
            c.start(srv.url("qr.png"))
            assert c.info(10) == (0, size, zlib.crc32(data), (size + 255) // 256)
            assert fetch_all(c, size) == data
            d.wait_log("kept from before the restart")
            c.end()
            d.stop()
        finally:
            d.close()

    slow = FtpServer(root, rate=32 * 1024).start()
    try:
        d = Daemon(tmp, 'link1 = { enabled = false; host = "127.0.0.1"; port = 9; };',
                   personality="gprs232-721", name="e")
        try:
            d.start()
            c = client(d)
            c.start(slow.url("qr.png"))
            wait_for(lambda: status(d)["bytes"] >= 16 * 1024, 30, "16 KiB downloaded")
            d.stop()
            with open(os.path.join(d.state_dir, "ftp-download.part"), "rb") as f:
                part = f.read()
            assert 0 < len(part) < size and data.startswith(part), len(part)
            d.start()
            c = client(d)
            st = c.info(60)
            assert st == (0, size, zlib.crc32(data), (size + 255) // 256), st
            d.wait_log("resuming the download of before the restart")
            assert fetch_all(c, size) == data
            c.end()
            d.stop()
        finally:
            d.close()
    finally:
        slow.stop()


def test_ftp_inside_transparent_traffic(tmp):
    """Four links carry data both ways while an FTP_START arrives in the
    middle of the MCU's transparent data and a whole download runs: every
    link gets exactly the MCU's data (not a byte of the frames), the MCU
    gets every byte the servers sent, in order, besides the frames."""
    servers = [Server().start() for _ in range(4)]
    try:
        with FtpServer(os.path.join(tmp, "ftp")) as srv:
            data = srv.put("fw.bin", random_bytes(20000, seed=5))
            with daemon(tmp, tcpc_links(servers)) as d:
                d.start()
                wait_for(lambda: all(s.conns for s in servers), 15, "four connections")
                c = client(d)
                # Transparent data with an A5 in it that is no frame.
                before = b"hello \xA5\x5A\x10 not a frame " + bytes(range(256))
                after = b" and after the frame"
                d.pty.write(before + fc.frame(fc.FTP_START, srv.url("fw.bin").encode()) + after)
                got = None
                sent = bytearray()
                net = [0] * 4
                rng = random.Random(9)
                for k in range(40):
                    chunk = random_bytes(200, seed=100 + k).replace(b"\xA5", b"\xA4")
                    d.pty.write(chunk)
                    sent += chunk
                    for i, s in enumerate(servers):
                        n = rng.randint(1, 50)
                        s.send_all(bytes([0x30 + i]) * n)
                        net[i] += n
                    if got is None and k == 5:
                        # The ACK came in the meantime.
                        got = c.recv(5)
                        assert got == (fc.ACK, bytes([fc.FTP_START])), got
                assert c.info(60)[0] == 0
                assert fetch_all(c, len(data)) == data
                c.end()
                tail = b"the end"
                d.pty.write(tail)
                want = before + after + bytes(sent) + tail
                for s in servers:
                    wait_for(lambda: len(s.received()) >= len(want), 20, "data at every link")
                    assert s.received() == want, "a link got %r" % s.received()[:80]
                # What the servers sent reached the MCU around the frames,
                # and nothing else did.
                wait_for(lambda: c.recv(0.1) is None and
                         len(c.dec.other) >= sum(net), 20, "the network's data")
                other = bytes(c.dec.other)
                assert [other.count(bytes([0x30 + i])) for i in range(4)] == net, net
                assert len(other) == sum(net), other[:80]
                d.stop()
    finally:
        for s in servers:
            s.stop()


def test_download_in_frame_mode(tmp):
    """Frame mode (AT+CIMOD=1): the FTP download works as in every mode,
    with the links' LINK_STATE and LINK_DATA frames around it, and LINK_SEND
    goes on working after FTP_END."""
    servers = [Server().start() for _ in range(2)]
    try:
        with FtpServer(os.path.join(tmp, "ftp")) as srv:
            data = srv.put("fw.bin", random_bytes(3000, seed=21))
            with daemon(tmp, tcpc_links(servers) + 'dtu = { mode = "FRAME"; };') as d:
                d.start()
                c = client(d)
                fm = fc.FrameMode(c)
                fm.wait(lambda m: m.state() == (1, 1, 0, 0), 15, "LINK_STATE 1 1 0 0")
                assert c.download(srv.url("fw.bin"), "random") == data
                c.link_send(2, b"after the download")
                wait_for(lambda: servers[1].received() == b"after the download", 10,
                         "LINK_SEND after FTP_END")
                servers[0].send_all(b"to the MCU")
                fm.wait(lambda m: m.data[1] == b"to the MCU", 10, "LINK_DATA 1")
                assert servers[0].received() == b"" and not fm.naks, fm.naks
                assert c.dec.other == b"", c.dec.other[:40]
                d.stop()
    finally:
        for s in servers:
            s.stop()


run_tests(globals())
