/* Fuzzes HTTP response handling of the HTPC link (src/link-htpc.c with
 * libcurl, PROTOCOLS.md §3 HTPC): a real link sends one frame per input to a
 * server on 127.0.0.1 in the same event loop, which answers with the
 * fuzzer's bytes as the raw response and closes. libcurl parses it; our
 * code applies HTPCHD and the response cap. Besides memory errors it checks
 * that every request ends (done or failed, never hanging past the timeout)
 * and that no more than the cap reaches the serial side.
 *
 * Input: one flag byte (bit 0 HTPCHD, bit 1 POST), then the response. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "curl-glue.h"
#include "fuzz.h"
#include "link.h"
#include "netacl.h"
#include "settings.h"
#include "util.h"

#define RESPONSE_MAX 65536	/* link-htpc.c HTPC_RESPONSE_MAX */
#define REQUEST_MAX 16384

static struct {
	struct event_base *base;
	struct settings st;
	struct netacl acl;
	struct link *link;
	struct curl_lazy curl;		/* the libcurl glue the link uses */
	int lfd;
	struct event *ev_accept, *ev_conn;
	int cfd;
	char req[REQUEST_MAX];
	size_t nreq;
	int answered;
	const uint8_t *resp;
	size_t nresp;
	size_t delivered;
} f;

static void
conn_close(void)
{
	if (f.ev_conn)
		event_free(f.ev_conn);
	f.ev_conn = NULL;
	if (f.cfd >= 0)
		close(f.cfd);
	f.cfd = -1;
}

/* Reads the request; after its head, answers once, half-closes, and reads
 * on until the client closes (closing earlier could reset the answer). */
static void
on_conn(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		conn_close();
		return;
	}
	if (f.answered)
		return;
	n = MIN((size_t)n, REQUEST_MAX - f.nreq);
	memcpy(f.req + f.nreq, buf, (size_t)n);
	f.nreq += (size_t)n;
	if (!memmem(f.req, f.nreq, "\r\n\r\n", 4) && f.nreq < REQUEST_MAX)
		return;
	f.answered = 1;
	for (size_t o = 0; o < f.nresp;) {
		ssize_t w = write(fd, f.resp + o, f.nresp - o);

		if (w < 0 && errno != EAGAIN)
			break;
		if (w > 0)
			o += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
}

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	int c = accept(fd, NULL, NULL);

	if (c < 0)
		return;
	conn_close();
	f.cfd = c;
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	f.ev_conn = event_new(f.base, c, EV_READ | EV_PERSIST, on_conn, NULL);
	event_add(f.ev_conn, NULL);
}

static void
on_data(struct link *l, int client, const uint8_t *d, size_t n)
{
	FUZZ_CHECK(n > 0, "empty delivery");
	f.delivered += n;
	FUZZ_CHECK(f.delivered <= RESPONSE_MAX, "%zu bytes of a response delivered", f.delivered);
}

static void
on_writable(struct link *l)
{
}

static const struct link_cbs cbs = { on_data, NULL, on_writable, NULL };

static void
setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char port[16], why[160];

	fuzz_quiet();
	f.cfd = -1;
	f.base = event_base_new();
	f.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(f.lfd >= 0 && bind(f.lfd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    listen(f.lfd, 16) == 0 && getsockname(f.lfd, (struct sockaddr *)&a, &alen) == 0,
	    "listener: %s", strerror(errno));
	f.ev_accept = event_new(f.base, f.lfd, EV_READ | EV_PERSIST, on_accept, NULL);
	event_add(f.ev_accept, NULL);
	settings_defaults(&f.st, PERS_30X);
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
	FUZZ_CHECK(settings_set(&f.st, settings_find("link1.mode"), "HTPC", why, sizeof(why)) == 0 &&
	    settings_set(&f.st, settings_find("link1.host"), "127.0.0.1", why, sizeof(why)) == 0 &&
	    settings_set(&f.st, settings_find("link1.port"), port, why, sizeof(why)) == 0 &&
	    settings_set(&f.st, settings_find("http.timeout"), "2", why, sizeof(why)) == 0,
	    "settings: %s", why);
	/* Loopback only (DESIGN.md §4). */
	FUZZ_CHECK(netacl_parse("127.0.0.0/8", &f.acl) == 0, "acl");
	f.curl = (struct curl_lazy){ .base = f.base, .soname = LIBCURL_SONAME };
	f.link = link_new(f.base, NULL, &f.st, 0, &f.acl, &f.acl, &cbs, NULL);
	FUZZ_CHECK(f.link != NULL, "no link");
	f.link->curl = &f.curl;
	FUZZ_CHECK(f.link->ops->start(f.link) == 0, "the HTPC link did not start");
	for (int i = 0; i < 100 && f.link->state != LINK_UP; i++)
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	FUZZ_CHECK(f.link->state == LINK_UP, "the HTPC link is not up (is libcurl installed?)");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned done0, failed0;
	int64_t end;
	uint8_t flags;

	if (!f.base)
		setup();
	if (size < 1)
		return 0;
	flags = data[0];
	f.resp = data + 1;
	f.nresp = size - 1;
	f.nreq = 0;
	f.answered = 0;
	f.delivered = 0;
	f.st.http_strip_header = flags & 1;
	f.st.http_method = flags & 2 ? HTTP_POST : HTTP_GET;
	done0 = f.link->stats.connects;
	failed0 = f.link->stats.requests_failed;
	FUZZ_CHECK(f.link->ops->send(f.link, (const uint8_t *)"frame 1", 7) == 0, "send refused");
	/* http.timeout is 2 s: a request must have ended well before 5 s. */
	end = util_now_us() + 5000000;
	while (f.link->stats.connects == done0 && f.link->stats.requests_failed == failed0) {
		FUZZ_CHECK(util_now_us() < end, "a request neither finished nor failed");
		event_base_loop(f.base, EVLOOP_ONCE);
	}
	conn_close();
	if (getenv("FUZZ_HTPC_DEBUG"))
		fprintf(stderr, "htpc: %zu request bytes, %zu delivered, %s\n", f.nreq,
		    f.delivered, f.link->stats.requests_failed != failed0 ? "failed" : "done");
	return 0;
}
