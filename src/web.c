/* The device's web page on WEBPORT (evhttp): a status page, a settings form
 * generated from the settings table (AT-visible rows of the personality;
 * secrets never shown) that saves through the host's set_many - the same
 * validation as AT - with errors beside their fields, and a restart button.
 * HTTP Basic auth with WEBU; plain HTML forms, no JavaScript, no external
 * assets; every request body and header block capped. While WEBU is still
 * the factory admin/admin the page only offers to change it (ETSI EN 303 645
 * §5.1); failed logins are throttled per source (throttle.h); the status
 * page draws the last 10 minutes of traffic (traffic.h); optional HTTPS
 * through libevent's OpenSSL bufferevents (web.tls_cert, web.tls_key). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>


#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "at.h"
#include "host.h"
#include "link.h"
#include "tls-glue.h"
#include "listener.h"
#include "log.h"
#include "netacl.h"
#include "settings.h"
#include "status.h"
#include "throttle.h"
#include "traffic.h"
#include "util.h"
#include "web.h"

#define REALM "usrbridged"

/* Owned by the instance; owns the evhttp server and its bound socket. */
struct web {
	struct host host;		/* what the pages show and change */
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct listener *accept_policy;	/* pauses bound after EMFILE */
	long port;			/* bound port; 0 when none */
	long failed_port;		/* the port whose bind failure was logged */
	struct event *ev_rebind;	/* retries a busy port (bind_port) */
	unsigned bind_failures;		/* in a row */
	long want_port;			/* what bind_port is trying for */
	char bind_addr[128];		/* web.bind: "" = every address */
	char why[224];			/* why it does not listen; "" */
	int enabled;
	/* WEBU of the running settings; a change of the factory ones on the
	 * page takes effect here at once (else the page would stay locked
	 * until a restart). */
	char user[sizeof(((struct settings *)0)->web_user)];
	char password[sizeof(((struct settings *)0)->web_password)];
	int factory;			/* user and password are the factory ones */
	struct netacl allow_in;
	struct throttle throttle;	/* failed logins per source */
	struct traffic traffic;		/* the status page's picture */
	struct event *sampler;		/* samples the link counters, 1 s */
	struct tls_glue *tls_lib;	/* OpenSSL, loaded when HTTPS is on */
	SSL_CTX *tls;			/* NULL: plain HTTP */
	char tls_cert[256], tls_key[256];	/* what tls was made from */
};

/* --- helpers (exported for the unit tests) ----------------------------------- */

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
web_base64_decode(const char *in, uint8_t *out, size_t cap)
{
	size_t n = strlen(in), o = 0;
	uint32_t acc = 0;
	int bits = 0, pad = 0;

	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int v;

		if (in[i] == '=') {
			/* Only at the end, at most two. */
			if (i < n - 2 || ++pad > 2)
				return -EINVAL;
			continue;
		}
		if (pad || (v = b64val((unsigned char)in[i])) < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

/* Compares without an early exit, so timing does not tell how much matched. */
static int
same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned d = alen != blen;

	for (size_t i = 0; i < alen && i < blen; i++)
		d |= (unsigned)(a[i] ^ b[i]);
	return d == 0;
}

int
web_auth_ok(const char *header, const char *user, const char *password)
{
	uint8_t raw[128];
	char want[128];		/* user (5) ':' password (64) */
	int n, wn;

	if (!header || strncasecmp(header, "Basic ", 6) != 0)
		return 0;
	header += 6;
	while (*header == ' ')
		header++;
	if (strlen(header) > 4 * (sizeof(raw) / 3))
		return 0;
	n = web_base64_decode(header, raw, sizeof(raw));
	if (n < 0)
		return 0;
	wn = snprintf(want, sizeof(want), "%s:%s", user, password);
	if (wn < 0 || (size_t)wn >= sizeof(want))
		return 0;
	return same_secret((const char *)raw, (size_t)n, want, (size_t)wn);
}

/* "http://host[:port]" of an Origin or the start of a Referer. */
static int
names_host(const char *url, const char *host)
{
	size_t h = strlen(host);
	const char *p;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return 0;
	return strncasecmp(p, host, h) == 0 && (p[h] == '\0' || p[h] == '/');
}

int
web_same_origin(const char *origin, const char *referer, const char *host)
{
	/* A browser posting from another site's page sends its Origin (or at
	 * least a Referer): that is what stops cross-site form posts riding on
	 * remembered Basic credentials. Clients without either are scripts. */
	if (origin && *origin)
		return host && names_host(origin, host);
	if (referer && *referer)
		return host && names_host(referer, host);
	return 1;
}

/* --- HTML -------------------------------------------------------------------- */

static void
esc(struct evbuffer *b, const char *s)
{
	traffic_escape(b, s);
}

static const char style[] =
	"body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#222}"
	"header{background:#1d4f91;color:#fff;padding:.6em 1em}"
	"header h1{margin:0;font-size:1.3em;display:inline-block;margin-right:1em}"
	"nav a{color:#fff;margin-right:1em}"
	"main{padding:1em;max-width:60em}"
	"table{border-collapse:collapse;background:#fff;margin-bottom:1em}"
	"td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
	"fieldset{background:#fff;border:1px solid #ccc;margin-bottom:1em}"
	"legend{font-weight:bold}"
	".row{margin:.35em 0}"
	".row label{display:inline-block;min-width:11em;font-family:monospace}"
	".row input,.row select{min-width:16em}"
	".at{color:#666;font-size:.85em;margin-left:.5em}"
	".help{display:block;color:#555;font-size:.85em;margin-left:11.5em}"
	".error{color:#b00;font-weight:bold;margin-left:.5em}"
	".bad input,.bad select{border:2px solid #b00}"
	".note{background:#e6f2e6;border:1px solid #7a7;padding:.5em}"
	".fail{background:#f8e0e0;border:1px solid #c77;padding:.5em}"
	"button{padding:.3em 1.2em}"
	"footer{color:#777;font-size:.8em;padding:1em}";

static void
page_head_nav(struct web *w, struct evbuffer *b, const char *title, int refresh, int nav)
{
	const struct settings *st = host_settings(&w->host);

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">");
	if (refresh)
		evbuffer_add_printf(b, "<meta http-equiv=\"refresh\" content=\"%d\">", refresh);
	evbuffer_add_printf(b, "<title>");
	esc(b, title);
	evbuffer_add_printf(b, " - ");
	esc(b, st->name);
	evbuffer_add_printf(b, "</title><style>%s</style></head><body><header><h1>", style);
	esc(b, st->name);
	evbuffer_add_printf(b, "</h1>");
	if (nav)
		evbuffer_add_printf(b, "<nav><a href=\"/\">Status</a><a href=\"/settings\">"
		    "Settings</a></nav>");
	evbuffer_add_printf(b, "</header><main>");
}

static void
page_head(struct web *w, struct evbuffer *b, const char *title, int refresh)
{
	page_head_nav(w, b, title, refresh, 1);
}

static void
page_foot(struct evbuffer *b, const struct settings *st)
{
	evbuffer_add_printf(b, "</main><footer>usrbridged %s &middot; %s</footer></body></html>\n",
	    PACKAGE_VERSION, personality_name((enum personality)st->personality));
}

static void
set_code(struct web_reply *rp, int code, const char *reason)
{
	rp->code = code;
	rp->reason = reason;
}

static void
send_simple(struct web_reply *rp, int code, const char *reason, const char *text)
{
	struct evbuffer *b = rp->body;

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>%d %s</title></head><body><h1>%d %s</h1><p>", code, reason, code, reason);
	esc(b, text);
	evbuffer_add_printf(b, "</p></body></html>\n");
	set_code(rp, code, reason);
}

static void
redirect(struct web_reply *rp, const char *to)
{
	util_strlcpy(rp->location, to, sizeof(rp->location));
	send_simple(rp, 303, "See Other", to);
}

/* --- status page ---------------------------------------------------------- */

static void
row(struct evbuffer *b, const char *name, const char *value)
{
	evbuffer_add_printf(b, "<tr><th>%s</th><td>", name);
	esc(b, value);
	evbuffer_add_printf(b, "</td></tr>");
}

static void
page_status(struct web *w, struct web_reply *rp)
{
	const struct settings *cur = host_settings(&w->host);
	struct evbuffer *b = rp->body;
	struct daemon_status st;
	struct status_traffic t;
	char buf[512], line[64];

	host_status(&w->host, &st);
	status_traffic(&st, &t);
	page_head(w, b, "Status", 10);
	evbuffer_add_printf(b, "<h2>Status</h2><table>");
	row(b, "Personality", personality_name(st.personality));
	row(b, "Version", PACKAGE_VERSION);
	status_uptime_text(st.uptime_us, buf, sizeof(buf));
	row(b, "Uptime", buf);
	snprintf(buf, sizeof(buf), "%u", st.restarts);
	row(b, "Restarts", buf);
	status_line_text(&st.line, line, sizeof(line));
	snprintf(buf, sizeof(buf), "%s (%s), %s, %s mode", st.serial_device,
	    st.serial.open ? "open" : "not open", line,
	    st.command_mode ? "command" : "transparent");
	row(b, "Serial port", buf);
	if (!st.serial.open && st.serial.why[0])
		row(b, "Serial port not open", st.serial.why);
	if (st.work.shown) {
		workmode_status_line(&st.work, buf, sizeof(buf));
		row(b, "Work mode", buf);
	}
	snprintf(buf, sizeof(buf), "%llu in, %llu out, %llu dropped",
	    (unsigned long long)t.to_net_in, (unsigned long long)t.to_net_out,
	    (unsigned long long)t.to_net_dropped);
	row(b, "Serial &rarr; network", buf);
	snprintf(buf, sizeof(buf), "%llu in, %llu out, %llu dropped",
	    (unsigned long long)t.to_serial_in, (unsigned long long)t.to_serial_out,
	    (unsigned long long)t.to_serial_dropped);
	row(b, "Network &rarr; serial", buf);
	if (st.ftp.present) {
		char ftp[sizeof(st.ftp.url) + sizeof(st.ftp.why) + 160];

		status_ftp_text(&st.ftp, ftp, sizeof(ftp));
		row(b, "FTP download", ftp);
	}
	if (st.line_err) {
		status_line_text(&st.line_wanted, line, sizeof(line));
		snprintf(buf, sizeof(buf), "%s refused (%s)", line, strerror(-st.line_err));
		row(b, "Refused line settings", buf);
	}
	if (st.bridge_known) {
		char text[512];

		status_bridge_text(&st.bridge, text, sizeof(text));
		row(b, "Bridge", text);
	}
	/* PROTOCOLS.md §6 */
	if (st.rfc2217.client[0])
		snprintf(buf, sizeof(buf), "port %ld: client %s owns the serial port (console and "
		    "links paused); received %llu B, sent %llu B", st.rfc2217.port,
		    st.rfc2217.client, (unsigned long long)st.rfc2217.rx_bytes,
		    (unsigned long long)st.rfc2217.tx_bytes);
	else if (st.rfc2217.port)
		snprintf(buf, sizeof(buf), "port %ld: %s%s%s", st.rfc2217.port,
		    st.rfc2217.listening ? "no client" : "not listening",
		    st.rfc2217.why[0] ? ": " : "", st.rfc2217.why);
	else
		snprintf(buf, sizeof(buf), "off");
	row(b, "RFC 2217", buf);
	if (st.discovery.enabled)
		snprintf(buf, sizeof(buf), "UDP port 1500: %s%s%s; %llu searches answered, %llu "
		    "ignored", st.discovery.listening ? "answering" : "not listening",
		    st.discovery.why[0] ? ": " : "", st.discovery.why,
		    (unsigned long long)(st.discovery.searches + st.discovery.legacy),
		    (unsigned long long)st.discovery.ignored);
	else
		snprintf(buf, sizeof(buf), "off");
	row(b, "Discovery", buf);
	if (st.modem.configured) {
		status_modem_summary(&st.modem, buf, sizeof(buf));
		row(b, "Modem", buf);
	}
	evbuffer_add_printf(b, "</table><h2>Links</h2><p>Counters since the daemon started "
	    "(%u restarts since).</p><table><tr><th>Link</th><th>Mode</th><th>State</th>"
	    "<th>Peers</th><th>Where</th><th>Sent</th><th>Received</th><th>Dropped</th>"
	    "<th>Cache</th><th>Reconnects</th></tr>", st.restarts);
	for (int i = 0; i < st.nlinks; i++) {
		const struct bridge_link_status *l = &st.link[i];

		evbuffer_add_printf(b, "<tr><td>link%d</td>", i + 1);
		if (!l->active) {
			evbuffer_add_printf(b, "<td colspan=\"9\">off%s", l->why[0] ? ": " : "");
			esc(b, l->why);
			evbuffer_add_printf(b, "</td></tr>");
			continue;
		}
		evbuffer_add_printf(b, "<td>%s</td><td>%s", l->mode, l->state);
		if (l->why[0]) {
			evbuffer_add_printf(b, ": ");
			esc(b, l->why);
		}
		evbuffer_add_printf(b, "</td><td>");
		esc(b, l->peers);
		evbuffer_add_printf(b, "</td><td>%s ", l->server ? "listening on" : "to");
		esc(b, l->where);
		if (l->local_port)
			evbuffer_add_printf(b, " from port %ld", l->local_port);
		evbuffer_add_printf(b, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%zu/%zu"
		    "</td><td>%u (%u heartbeat failures)</td></tr>",
		    (unsigned long long)l->stats.tx_bytes,
		    (unsigned long long)l->stats.rx_bytes,
		    (unsigned long long)(l->stats.tx_dropped + l->cache_dropped +
			l->cache_cleared), l->cache_bytes, l->cache_max, l->reconnects,
		    l->heart_failures);
		/* Each peer with its own counters and how long it has been there. */
		for (int k = 0; k < l->npeers && k < LINK_CLIENTS_MAX; k++) {
			const struct link_peer *p = &l->peer[k];

			evbuffer_add_printf(b, "<tr class=\"peer\"><td></td><td>peer</td>"
			    "<td>for %.0f s</td><td>", (double)(l->now_us - p->since_us) / 1e6);
			esc(b, p->addr);
			evbuffer_add_printf(b, "</td><td></td><td>%llu</td><td>%llu</td>"
			    "<td></td><td></td><td></td></tr>",
			    (unsigned long long)p->tx_bytes, (unsigned long long)p->rx_bytes);
		}
	}
	evbuffer_add_printf(b, "</table><h2>Traffic</h2><p>Bytes per second over the last "
	    "10 minutes, per link (the page reloads itself every 10 s).</p>");
	for (int i = 0; i < st.nlinks && i < LINKS_MAX; i++) {
		static const char *const labels[] = { "serial \xe2\x86\x92 network",
			"network \xe2\x86\x92 serial" };
		const int series[] = { 2 * i, 2 * i + 1 };

		if (!st.link[i].active)
			continue;
		snprintf(buf, sizeof(buf), "link%d (%s)", i + 1, st.link[i].mode);
		evbuffer_add_printf(b, "<figure id=\"traffic-link%d\">", i + 1);
		traffic_svg(&w->traffic, series, labels, 2, buf, b);
		evbuffer_add_printf(b, "</figure>");
	}
	evbuffer_add_printf(b, "<form method=\"post\" action=\"/restart\">"
	    "<button type=\"submit\">Restart</button></form>");
	page_foot(b, cur);
	set_code(rp, HTTP_OK, "OK");
}

/* --- settings form ------------------------------------------------------------ */

#define FORM_FIELDS_MAX 160

/* What the form shows: rows AT can see and edit in this personality. */
static int
on_form(struct setting_ref s, enum personality p)
{
	return (s.s->flags & S_PERSIST) && settings_at_visible(s, p);
}

/* Whether a group of the form matters with the settings as they are: the
 * form shows these first and folds the rest (a 30X in TCPS mode has no use
 * for the HTTP client's URL). Groups not named here always matter. */
static int
group_used(const char *group, size_t glen, const struct settings *st)
{
	enum personality p = (enum personality)st->personality;
	int modes = 0;

	for (int i = 0; i < personality_links(p) && i < LINKS_MAX; i++)
		if (st->link[i].enabled || p == PERS_30X)
			modes |= 1 << st->link[i].mode;
	if (glen == 5 && strncmp(group, "link", 4) == 0 && group[4] >= '1' && group[4] <= '4')
		return p == PERS_30X || st->link[group[4] - '1'].enabled;
	if (glen == 4 && strncmp(group, "tcps", 4) == 0)
		return !!(modes & 1 << LINK_TCPS);
	if (glen == 4 && strncmp(group, "http", 4) == 0)
		return !!(modes & 1 << LINK_HTPC);
	if (glen == 3 && strncmp(group, "reg", 3) == 0)
		return st->reg_mode != REG_OFF;
	if (glen == 9 && strncmp(group, "heartbeat", 9) == 0)
		return st->heart_enabled;
	return 1;
}

/* "AT+SOCK" for link1.mode: the commands whose fields include the key. */
static void
at_names(const char *key, enum personality p, char *buf, size_t cap)
{
	const struct at_dialect *d = at_dialect_for(p);
	size_t o = 0;

	buf[0] = '\0';
	for (const struct at_cmd *c = NULL; o < cap && (c = at_next_for_key(d, key, c));)
		o += (size_t)snprintf(buf + o, cap - o, "%sAT+%s", o ? " " : "", c->name);
}

struct form_state {
	const char *value[FORM_FIELDS_MAX];	/* submitted text, or NULL: current */
	char why[FORM_FIELDS_MAX][160];		/* error beside the field */
};

static void
form_field(struct evbuffer *b, const struct settings *st, struct setting_ref ref,
    const char *shown, const char *why)
{
	enum personality p = (enum personality)st->personality;
	const struct setting *s = ref.s;
	char val[1024], at[128], key[SETTINGS_KEY_MAX];
	const char *dot = strchr(settings_key(ref, key, sizeof(key)), '.');

	if (!shown) {
		settings_format(st, ref, val, sizeof(val));
		shown = val;
	}
	evbuffer_add_printf(b, "<div class=\"row%s\"><label for=\"f-%s\">%s</label>",
	    why && *why ? " bad" : "", key, dot ? dot + 1 : key);
	if (s->type == ST_BOOL || s->type == ST_ENUM) {
		evbuffer_add_printf(b, "<select id=\"f-%s\" name=\"%s\">", key, key);
		for (int i = 0; s->choices[i]; i++)
			evbuffer_add_printf(b, "<option%s>%s</option>",
			    strcasecmp(shown, s->choices[i]) == 0 ? " selected" : "",
			    s->choices[i]);
		evbuffer_add_printf(b, "</select>");
	} else if (s->flags & S_SECRET) {
		/* Never sent to the browser; empty means unchanged. */
		evbuffer_add_printf(b, "<input type=\"password\" id=\"f-%s\" name=\"%s\" value=\"\" "
		    "placeholder=\"(unchanged)\" autocomplete=\"new-password\">", key, key);
	} else {
		evbuffer_add_printf(b, "<input type=\"text\" id=\"f-%s\" name=\"%s\" value=\"",
		    key, key);
		esc(b, shown);
		evbuffer_add_printf(b, "\">");
	}
	at_names(key, p, at, sizeof(at));
	if (at[0])
		evbuffer_add_printf(b, "<span class=\"at\">%s</span>", at);
	if (why && *why) {
		evbuffer_add_printf(b, "<span class=\"error\">");
		esc(b, why);
		evbuffer_add_printf(b, "</span>");
	}
	evbuffer_add_printf(b, "<small class=\"help\">");
	esc(b, s->help);
	evbuffer_add_printf(b, "</small></div>");
}

static void
page_settings(struct web *w, struct web_reply *rp, int code, const char *banner,
    int banner_ok, const struct form_state *fs)
{
	const struct settings *st = host_settings(&w->host);
	enum personality p = (enum personality)st->personality;
	struct evbuffer *b = rp->body;
	int folded = 0;

	page_head(w, b, "Settings", 0);
	evbuffer_add_printf(b, "<h2>Settings</h2>");
	if (banner) {
		evbuffer_add_printf(b, "<p class=\"%s\" id=\"banner\">", banner_ok ? "note" : "fail");
		esc(b, banner);
		evbuffer_add_printf(b, "</p>");
	}
	evbuffer_add_printf(b, "<p>Changes are saved at once and take effect at the next "
	    "restart, as on the device. Settings that only the config file holds are not "
	    "shown.</p><form method=\"post\" action=\"/settings\">");
	/* One fieldset per group, in table order of first appearance; k
	 * numbers the settings in settings_next() order (form_state). Pass 0
	 * shows the groups the current mode uses, pass 1 folds the rest in a
	 * <details> (open when the form comes back with errors). */
	for (int pass = 0; pass < 2; pass++)
	for (struct setting_ref g = { NULL, 0 }; settings_next(&g);) {
		char gkey[SETTINGS_KEY_MAX];
		size_t glen = settings_group_len(g), k = 0;
		int opened = 0;

		if (!settings_group_starts(g) && !(glen == 0 && on_form(g, p)))
			continue;
		settings_key(g, gkey, sizeof(gkey));
		if (group_used(gkey, glen, st) != !pass)
			continue;
		for (struct setting_ref s = { NULL, 0 }; settings_next(&s); k++) {
			if (!settings_same_group(s, g) || !on_form(s, p))
				continue;
			if (glen == 0 && (s.s != g.s))
				continue;
			if (!opened && pass && !folded++)
				evbuffer_add_printf(b, "<details id=\"more\"%s><summary>Not used "
				    "by the current mode</summary>", fs ? " open" : "");
			if (!opened) {
				evbuffer_add_printf(b, "<fieldset><legend>%.*s</legend>",
				    (int)(glen ? glen : strlen(gkey)), gkey);
				opened = 1;
			}
			form_field(b, st, s, fs ? fs->value[k] : NULL, fs ? fs->why[k] : NULL);
		}
		if (opened)
			evbuffer_add_printf(b, "</fieldset>");
	}
	if (folded)
		evbuffer_add_printf(b, "</details>");
	evbuffer_add_printf(b, "<button type=\"submit\" id=\"save\">Save</button></form>"
	    "<h2>Restart</h2><p>Rebuilds the serial port, the bridge and its links from the "
	    "saved settings (AT+Z).</p><form method=\"post\" action=\"/restart\">"
	    "<button type=\"submit\" id=\"restart\">Restart</button></form>");
	page_foot(b, st);
	set_code(rp, code, code == HTTP_OK ? "OK" : code == HTTP_BADREQUEST ? "Bad Request" :
	    "Internal Server Error");
}

static int
save_settings(struct web *w, const struct web_request *rq, struct web_reply *rp)
{
	const struct settings *cur = host_settings(&w->host);
	enum personality p = (enum personality)cur->personality;
	const char *ctype = rq->content_type;
	struct setting_ref chg[FORM_FIELDS_MAX];
	const char *text[FORM_FIELDS_MAX];
	struct form_state *fs;
	struct settings scratch;
	struct evkeyvalq kv;
	size_t len = rq->body_len, k = 0;
	char *body, val[1024], why[256];
	int n = 0, bad = 0;

	if (ctype && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0) {
		send_simple(rp, 415, "Unsupported Media Type", "expected a form");
		return 0;
	}
	if (len > WEB_BODY_MAX) {
		send_simple(rp, 413, "Payload Too Large", "request body too large");
		return 0;
	}
	body = malloc(len + 1);
	fs = calloc(1, sizeof(*fs));
	if (!body || !fs) {
		free(body);
		free(fs);
		return -ENOMEM;
	}
	if (len)	/* rq->body is NULL for an empty body */
		memcpy(body, rq->body, len);
	body[len] = '\0';
	TAILQ_INIT(&kv);
	if (memchr(body, '\0', len) || evhttp_parse_query_str(body, &kv) < 0) {
		send_simple(rp, 400, "Bad Request", "malformed form data");
		goto out;
	}
	scratch = *cur;
	for (struct setting_ref s = { NULL, 0 }; settings_next(&s) && k < FORM_FIELDS_MAX; k++) {
		char key[SETTINGS_KEY_MAX];
		const char *v;

		if (!on_form(s, p) ||
		    !(v = evhttp_find_header(&kv, settings_key(s, key, sizeof(key)))))
			continue;
		if ((s.s->flags & S_SECRET) && !*v)
			continue;	/* left empty: unchanged */
		settings_format(cur, s, val, sizeof(val));
		if (strcmp(v, val) == 0)
			continue;
		fs->value[k] = (s.s->flags & S_SECRET) ? NULL : v;
		/* Each field is checked alone, so that every bad one is marked. */
		if (settings_set(&scratch, s, v, why, sizeof(why)) < 0) {
			util_strlcpy(fs->why[k], why, sizeof(fs->why[k]));
			bad++;
			continue;
		}
		chg[n] = s;
		text[n] = v;
		n++;
	}
	if (bad) {
		page_settings(w, rp, HTTP_BADREQUEST, "Nothing was saved: correct the fields "
		    "marked below.", 0, fs);
		goto out;
	}
	if (n == 0) {
		redirect(rp, "/settings?saved=0");
		goto out;
	}
	if (host_set_many(&w->host, chg, text, n, why, sizeof(why)) < 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "Nothing was saved: %s", why);
		page_settings(w, rp, HTTP_INTERNAL, msg, 0, fs);
		goto out;
	}
	log_info("web: %d setting%s saved", n, n == 1 ? "" : "s");
	snprintf(val, sizeof(val), "/settings?saved=%d", n);
	redirect(rp, val);
out:
	evhttp_clear_headers(&kv);
	free(body);
	free(fs);
	return 0;
}

static void
get_settings(struct web *w, const struct web_request *rq, struct web_reply *rp)
{
	const char *q = rq->query;
	char banner[160];
	long n;

	if (q && strncmp(q, "saved=", 6) == 0 && util_parse_long(q + 6, 0, 999, &n) == 0) {
		if (n == 0)
			snprintf(banner, sizeof(banner), "Nothing changed.");
		else
			snprintf(banner, sizeof(banner), "Saved %ld setting%s. Changes take effect "
			    "at the next restart.", n, n == 1 ? "" : "s");
		page_settings(w, rp, HTTP_OK, banner, 1, NULL);
		return;
	}
	page_settings(w, rp, HTTP_OK, NULL, 0, NULL);
}

static void
do_restart(struct web *w, struct web_reply *rp)
{
	struct evbuffer *b = rp->body;

	host_restart(&w->host, "web page");
	page_head(w, b, "Restarting", 3);
	evbuffer_add_printf(b, "<h2>Restarting</h2><p id=\"banner\" class=\"note\">The bridge "
	    "restarts with the saved settings. <a href=\"/\">Back to the status page</a>.</p>");
	page_foot(b, host_settings(&w->host));
	set_code(rp, HTTP_OK, "OK");
}

static void
status_json_page(struct web *w, struct web_reply *rp)
{
	struct daemon_status st;

	host_status(&w->host, &st);
	status_json(&st, rp->body);
	rp->json = 1;
	set_code(rp, HTTP_OK, "OK");
}

/* --- first login ---------------------------------------------------------------- */

/* The only page while WEBU is the factory admin/admin: a form to change it.
 * No status, no settings: with a universal default password anyone on the
 * network could read and change them (ETSI EN 303 645 §5.1). */
static void
page_first_login(struct web *w, struct web_reply *rp, int code, const char *why)
{
	struct evbuffer *b = rp->body;

	page_head_nav(w, b, "Set a password", 0, 0);
	evbuffer_add_printf(b, "<h2>Set a password</h2><p id=\"first\">This device still has "
	    "its factory user name and password, which every device of its kind shares. "
	    "Choose your own before the page shows status or settings. The password "
	    "takes effect at once; over AT (AT+WEBU) only 1 to 5 bytes can be given, "
	    "here up to 64.</p>");
	if (why) {
		evbuffer_add_printf(b, "<p class=\"fail\" id=\"banner\">");
		esc(b, why);
		evbuffer_add_printf(b, "</p>");
	}
	evbuffer_add_printf(b, "<form method=\"post\" action=\"/password\"><fieldset>"
	    "<legend>web</legend>"
	    "<div class=\"row\"><label for=\"f-user\">user</label><input type=\"text\" "
	    "id=\"f-user\" name=\"user\" value=\"");
	esc(b, w->user);
	evbuffer_add_printf(b, "\" autocomplete=\"username\"><small class=\"help\">1 to 5 "
	    "bytes</small></div>"
	    "<div class=\"row\"><label for=\"f-password\">new password</label><input "
	    "type=\"password\" id=\"f-password\" name=\"password\" value=\"\" "
	    "autocomplete=\"new-password\"><small class=\"help\">1 to 64 bytes, not the "
	    "factory one</small></div>"
	    "<div class=\"row\"><label for=\"f-confirm\">again</label><input "
	    "type=\"password\" id=\"f-confirm\" name=\"confirm\" value=\"\" "
	    "autocomplete=\"new-password\"></div></fieldset>"
	    "<button type=\"submit\" id=\"change\">Change</button></form>");
	page_foot(b, host_settings(&w->host));
	set_code(rp, code, code == HTTP_OK ? "OK" : code == HTTP_BADREQUEST ? "Bad Request" :
	    "Internal Server Error");
}

/* POST /password: validated as usrbridgectl set would (the host's
 * set_many), saved, and then the page's own credentials. */
static int
change_factory_password(struct web *w, const struct web_request *rq, struct web_reply *rp)
{
	enum personality p = (enum personality)host_settings(&w->host)->personality;
	struct setting_ref refs[2] = { settings_find("web.user"), settings_find("web.password") };
	const char *text[2], *user, *pw, *again;
	struct evkeyvalq kv;
	char *body, why[256], addr[80];
	size_t len = rq->body_len;

	if (rq->content_type &&
	    strncasecmp(rq->content_type, "application/x-www-form-urlencoded", 33) != 0) {
		send_simple(rp, 415, "Unsupported Media Type", "expected a form");
		return 0;
	}
	if (len > WEB_BODY_MAX || (len && !rq->body)) {
		send_simple(rp, 413, "Payload Too Large", "request body too large");
		return 0;
	}
	body = malloc(len + 1);
	if (!body)
		return -ENOMEM;
	if (len)
		memcpy(body, rq->body, len);
	body[len] = '\0';
	TAILQ_INIT(&kv);
	if (memchr(body, '\0', len) || evhttp_parse_query_str(body, &kv) < 0) {
		send_simple(rp, 400, "Bad Request", "malformed form data");
		goto out;
	}
	user = evhttp_find_header(&kv, "user");
	pw = evhttp_find_header(&kv, "password");
	again = evhttp_find_header(&kv, "confirm");
	if (!user || !*user)
		user = w->user;
	if (!pw || !*pw) {
		page_first_login(w, rp, HTTP_BADREQUEST, "Give a new password.");
		goto out;
	}
	if (!again || strcmp(pw, again) != 0) {
		page_first_login(w, rp, HTTP_BADREQUEST, "The two passwords differ.");
		goto out;
	}
	if (strcmp(pw, settings_default(refs[1], p)) == 0) {
		page_first_login(w, rp, HTTP_BADREQUEST,
		    "That is the factory password: choose another.");
		goto out;
	}
	text[0] = user;
	text[1] = pw;
	if (host_set_many(&w->host, refs, text, 2, why, sizeof(why)) < 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "Nothing was saved: %s", why);
		page_first_login(w, rp, HTTP_BADREQUEST, msg);
		goto out;
	}
	util_strlcpy(w->user, user, sizeof(w->user));
	util_strlcpy(w->password, pw, sizeof(w->password));
	w->factory = 0;
	link_addr_text(rq->peer, addr, sizeof(addr));
	log_info("web: factory password changed from %s", addr);
	page_head_nav(w, rp->body, "Password changed", 0, 0);
	evbuffer_add_printf(rp->body, "<h2>Password changed</h2><p class=\"note\" "
	    "id=\"banner\">Saved. Log in again with the new user name and password: "
	    "<a href=\"/\">status page</a>.</p>");
	page_foot(rp->body, host_settings(&w->host));
	set_code(rp, HTTP_OK, "OK");
out:
	evhttp_clear_headers(&kv);
	free(body);
	return 0;
}

static int
first_login(struct web *w, const struct web_request *rq, struct web_reply *rp,
    const char *path)
{
	int get = rq->method == EVHTTP_REQ_GET || rq->method == EVHTTP_REQ_HEAD;

	if (strcmp(path, "/password") == 0 && rq->method == EVHTTP_REQ_POST)
		return change_factory_password(w, rq, rp);
	if (strcmp(path, "/") == 0 && get)
		page_first_login(w, rp, HTTP_OK, NULL);
	else
		send_simple(rp, 403, "Forbidden", "change the factory password first (at /)");
	return 0;
}

/* Failed logins: throttle.h; the answer while throttled is 429 with
 * Retry-After, not a delayed 401, so that a guesser holds no connection
 * open (the daemon's sockets are few) and the event loop never waits. The
 * credentials are not even checked then: a right guess must not show. */
static int
check_login(struct web *w, const struct web_request *rq, struct web_reply *rp)
{
	int64_t now = util_now_us(), wait;
	char addr[80];

	if (rq->authorization && (wait = throttle_wait(&w->throttle, rq->peer, now)) > 0) {
		rp->retry_after = (int)((wait + 999999) / 1000000);
		send_simple(rp, 429, "Too Many Requests",
		    "too many wrong passwords from this address; try again later");
		return 0;
	}
	if (web_auth_ok(rq->authorization, w->user, w->password)) {
		throttle_ok(&w->throttle, rq->peer);
		return 1;
	}
	/* No Authorization is a browser's first request, not a guess. */
	if (rq->authorization && throttle_fail(&w->throttle, rq->peer, now)) {
		link_addr_text(rq->peer, addr, sizeof(addr));
		log_info("web: wrong user name or password from %s (further failures from this "
		    "address are throttled, and not logged until it has been quiet for %d min)",
		    addr, (int)(THROTTLE_QUIET_US / 60000000));
	}
	rp->ask_auth = 1;
	send_simple(rp, 401, "Unauthorized", "user name and password (AT+WEBU) needed");
	return 0;
}

int
web_handle(struct web *w, const struct web_request *rq, struct web_reply *rp)
{
	const char *path = rq->path;
	int method = rq->method;
	int get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;

	/* network.allow_in guards every listener (DESIGN.md §2). */
	if (!rq->peer || !netacl_allows(&w->allow_in, rq->peer)) {
		send_simple(rp, 403, "Forbidden", "not allowed by network.allow_in");
		return 0;
	}
	if (!check_login(w, rq, rp))
		return 0;
	if (!path || !*path)
		path = "/";
	if (method == EVHTTP_REQ_POST && !web_same_origin(rq->origin, rq->referer, rq->host)) {
		send_simple(rp, 403, "Forbidden", "form posted from another site");
		return 0;
	}
	if (w->factory)
		return first_login(w, rq, rp, path);
	if (strcmp(path, "/") == 0 && get)
		page_status(w, rp);
	else if (strcmp(path, "/status.json") == 0 && get)
		status_json_page(w, rp);
	else if (strcmp(path, "/settings") == 0 && get)
		get_settings(w, rq, rp);
	else if (strcmp(path, "/settings") == 0 && method == EVHTTP_REQ_POST)
		return save_settings(w, rq, rp);
	else if (strcmp(path, "/restart") == 0 && method == EVHTTP_REQ_POST)
		do_restart(w, rp);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/settings") == 0 ||
	    strcmp(path, "/restart") == 0 || strcmp(path, "/status.json") == 0)
		send_simple(rp, 405, "Method Not Allowed", "method not allowed here");
	else
		send_simple(rp, 404, "Not Found", "no such page");
	return 0;
}

/* evhttp's side of web_handle(): takes the request apart, sends the reply
 * with the headers of its kind. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct evkeyvalq *hdr = evhttp_request_get_input_headers(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct web_request rq = {
		.method = evhttp_request_get_command(req),
		.path = uri ? evhttp_uri_get_path(uri) : NULL,
		.query = uri ? evhttp_uri_get_query(uri) : NULL,
		.peer = conn ? evhttp_connection_get_addr(conn) : NULL,
		.authorization = evhttp_find_header(hdr, "Authorization"),
		.origin = evhttp_find_header(hdr, "Origin"),
		.referer = evhttp_find_header(hdr, "Referer"),
		.host = evhttp_find_header(hdr, "Host"),
		.content_type = evhttp_find_header(hdr, "Content-Type"),
		.body_len = evbuffer_get_length(in),
	};
	struct web_reply rp = { .body = evbuffer_new() };
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	int ok = 1;

	/* Keepalive and TCP_USER_TIMEOUT as on every TCP connection (tcp.*);
	 * evhttp accepts the socket itself, so the first chance is here. */
	if (bev && bufferevent_getfd(bev) >= 0)
		link_tcp_keepalive(host_settings(&w->host), bufferevent_getfd(bev));

	/* Only a form post reads its body; a larger one is refused unread. */
	if (rq.method == EVHTTP_REQ_POST && rq.body_len && rq.body_len <= WEB_BODY_MAX) {
		rq.body = (const char *)evbuffer_pullup(in, -1);
		ok = rq.body != NULL;
	}
	if (!ok || !rp.body || web_handle(w, &rq, &rp) < 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		goto out;
	}
	if (rp.ask_auth)
		evhttp_add_header(h, "WWW-Authenticate",
		    "Basic realm=\"" REALM "\", charset=\"UTF-8\"");
	if (rp.retry_after > 0) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", rp.retry_after);
		evhttp_add_header(h, "Retry-After", ra);
	}
	if (rp.location[0])
		evhttp_add_header(h, "Location", rp.location);
	if (rp.json) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evhttp_add_header(h, "Cache-Control", "no-store");
	} else {
		evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
		evhttp_add_header(h, "Cache-Control", "no-store");
		evhttp_add_header(h, "X-Frame-Options", "DENY");
		evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
		evhttp_add_header(h, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
		    "frame-ancestors 'none'");
	}
	evhttp_send_reply(req, rp.code, rp.reason, rp.body);
out:
	if (rp.body)
		evbuffer_free(rp.body);
}

/* --- listening ---------------------------------------------------------------- */

static void
unbind(struct web *w)
{
	if (w->ev_rebind)
		evtimer_del(w->ev_rebind);
	w->why[0] = '\0';
	listener_free(w->accept_policy);
	w->accept_policy = NULL;
	if (w->bound) {
		evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
		log_info("web: stopped listening on port %ld", w->port);
	}
	w->port = 0;
}

/* Listens on web.bind:port. A busy port (or an address not there yet) is
 * retried with the links' short capped backoff (link_listen_retry_ms):
 * logged once, then on success; status shows why meanwhile. */
static int
bind_port(struct web *w, long port)
{
	int fd = link_socket_bind(SOCK_STREAM, w->bind_addr, port);
	char where[160];

	if (fd >= 0 && listen(fd, 16) < 0) {
		int e = -errno;

		close(fd);
		fd = e;
	}
	if (fd < 0) {
		struct timeval tv;
		long ms;

		link_listen_text(w->bind_addr, port, where, sizeof(where));
		link_listen_why(where, fd, w->why, sizeof(w->why));
		if (w->failed_port != port)
			log_err("web: cannot listen on port %ld: %s; running without the web page "
			    "until it is free (retrying)", port, strerror(-fd));
		w->failed_port = port;
		w->want_port = port;
		ms = link_listen_retry_ms(++w->bind_failures);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = ms % 1000 * 1000;
		evtimer_add(w->ev_rebind, &tv);
		return fd;
	}
	w->bound = evhttp_accept_socket_with_handle(w->http, fd);
	if (!w->bound) {
		close(fd);
		log_err("web: cannot serve port %ld", port);
		return -ENOMEM;
	}
	/* Without it accepting still works; only the EMFILE pause is lost. */
	w->accept_policy = listener_attach(w->base, "web",
	    evhttp_bound_socket_get_listener(w->bound), WEB_ACCEPT_PAUSE_MS);
	w->port = port;
	w->failed_port = 0;
	w->bind_failures = 0;
	w->why[0] = '\0';
	log_info("web: listening on port %ld%s%s", port, w->bind_addr[0] ? " of " : "",
	    w->bind_addr);
	return 0;
}

static void
on_rebind(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	if (w->enabled && !w->bound)
		bind_port(w, w->want_port);
}

/* --- HTTPS ------------------------------------------------------------------------ */

/* The OpenSSL context of a certificate and key, or NULL with why filled. */
static SSL_CTX *
tls_ctx(const struct tls_fns *fn, const char *cert, const char *key, char *why, size_t cap)
{
	SSL_CTX *ctx;
	const char *r;

	if (!*cert || !*key) {
		snprintf(why, cap, "web.tls_cert and web.tls_key go together: %s is empty",
		    *cert ? "web.tls_key" : "web.tls_cert");
		return NULL;
	}
	/* errno's text says more than OpenSSL's "system lib" for a bad path. */
	if (access(cert, R_OK) < 0) {
		snprintf(why, cap, "web.tls_cert: cannot read %s: %s", cert, strerror(errno));
		return NULL;
	}
	if (access(key, R_OK) < 0) {
		snprintf(why, cap, "web.tls_key: cannot read %s: %s", key, strerror(errno));
		return NULL;
	}
	fn->err_clear();
	ctx = fn->ctx_new(fn->server_method());
	if (!ctx) {
		snprintf(why, cap, "cannot create a TLS context");
		return NULL;
	}
	/* SSL_CTX_set_min_proto_version() is this macro of the ctrl call. */
	fn->ctx_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
	if (fn->use_chain(ctx, cert) != 1) {
		r = fn->err_reason(fn->err_get());
		snprintf(why, cap, "web.tls_cert: %s is not a PEM certificate: %s", cert,
		    r ? r : "unknown error");
		goto fail;
	}
	if (fn->use_key(ctx, key, SSL_FILETYPE_PEM) != 1) {
		r = fn->err_reason(fn->err_get());
		snprintf(why, cap, "web.tls_key: %s is not a PEM private key: %s", key,
		    r ? r : "unknown error");
		goto fail;
	}
	if (fn->check_key(ctx) != 1) {
		snprintf(why, cap, "web.tls_key: %s does not belong to %s", key, cert);
		goto fail;
	}
	return ctx;
fail:
	fn->err_clear();
	fn->ctx_free(ctx);
	return NULL;
}

int
web_tls_check(const struct settings *st, char *why, size_t cap)
{
	struct tls_glue *g;
	SSL_CTX *ctx;

	if (!st->web_enabled || (!st->web_tls_cert[0] && !st->web_tls_key[0]))
		return 0;
	g = tls_glue_new(why, cap);
	if (!g)
		return -EINVAL;
	ctx = tls_ctx(tls_glue_fns(g), st->web_tls_cert, st->web_tls_key, why, cap);
	if (ctx)
		tls_glue_fns(g)->ctx_free(ctx);
	tls_glue_free(g);
	return ctx ? 0 : -EINVAL;
}

/* evhttp asks for each accepted connection's bufferevent: a TLS one that
 * does the server side of the handshake when HTTPS is on; NULL lets evhttp
 * make its plain one (libevent http.c, evhttp_get_request_connection). */
static struct bufferevent *
on_new_connection(struct event_base *base, void *arg)
{
	struct web *w = arg;
	const struct tls_fns *fn;
	struct bufferevent *bev;
	SSL *ssl;

	if (!w->tls)
		return NULL;
	fn = tls_glue_fns(w->tls_lib);
	ssl = fn->ssl_new(w->tls);
	/* Without memory there is no good answer; the plain bufferevent
	 * evhttp then makes only ever sees a TLS hello it cannot parse. */
	if (!ssl)
		return NULL;
	bev = fn->bev_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		fn->ssl_free(ssl);
		return NULL;
	}
	/* Browsers and curl often close without close_notify; that is the
	 * end of a connection, not an error to log. */
	fn->bev_dirty(bev, 1);
	return bev;
}

/* Frees the context; the libraries stay loaded for the next one. */
static void
tls_drop(struct web *w)
{
	if (w->tls)
		tls_glue_fns(w->tls_lib)->ctx_free(w->tls);
	w->tls = NULL;
}

/* Follows web.tls_cert/web.tls_key. A pair that cannot be loaded leaves
 * the page off rather than falling back to plain HTTP, which would send
 * the password in clear to whoever expected HTTPS. 0 or -EINVAL. */
static int
apply_tls(struct web *w, const struct settings *run)
{
	char why[400];

	if (strcmp(w->tls_cert, run->web_tls_cert) == 0 &&
	    strcmp(w->tls_key, run->web_tls_key) == 0 && (w->tls || !w->tls_cert[0]))
		return 0;
	tls_drop(w);
	util_strlcpy(w->tls_cert, run->web_tls_cert, sizeof(w->tls_cert));
	util_strlcpy(w->tls_key, run->web_tls_key, sizeof(w->tls_key));
	if (!w->tls_cert[0] && !w->tls_key[0])
		return 0;
	if (!w->tls_lib && !(w->tls_lib = tls_glue_new(why, sizeof(why)))) {
		log_err("web: %s; running without the web page", why);
		return -EINVAL;
	}
	w->tls = tls_ctx(tls_glue_fns(w->tls_lib), w->tls_cert, w->tls_key, why, sizeof(why));
	if (!w->tls) {
		log_err("web: %s; running without the web page", why);
		return -EINVAL;
	}
	log_info("web: HTTPS with %s", w->tls_cert);
	return 0;
}

/* --- traffic sampling ----------------------------------------------------------- */

/* Once a second: the links' byte counters into the rings (traffic.h). The
 * counters exist anyway, so the data path pays nothing for the picture. */
static void
on_sample(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;
	uint64_t totals[TRAFFIC_SERIES_MAX];
	struct daemon_status st;
	int n = 0;

	host_status(&w->host, &st);
	for (int i = 0; i < st.nlinks && i < LINKS_MAX; i++) {
		totals[n++] = st.link[i].stats.tx_bytes;	/* serial -> network */
		totals[n++] = st.link[i].stats.rx_bytes;	/* network -> serial */
	}
	traffic_sample(&w->traffic, util_now_us() / 1000000, totals, n);
}

static void
sampler_start(struct web *w)
{
	const struct timeval second = { 1, 0 };

	if (w->sampler)
		return;
	w->sampler = event_new(w->base, -1, EV_PERSIST, on_sample, w);
	if (!w->sampler)
		return;		/* the picture stays empty; logged nowhere else */
	event_add(w->sampler, &second);
	on_sample(-1, 0, w);
}

static void
sampler_stop(struct web *w)
{
	if (w->sampler)
		event_free(w->sampler);
	w->sampler = NULL;
}

int
web_apply(struct web *w, const struct settings *run)
{
	struct setting_ref pw = settings_find("web.password");

	if (netacl_parse(run->allow_in, &w->allow_in) < 0)
		memset(&w->allow_in, 0, sizeof(w->allow_in));	/* none: refuse all */
	util_strlcpy(w->user, run->web_user, sizeof(w->user));
	util_strlcpy(w->password, run->web_password, sizeof(w->password));
	w->factory = strcmp(w->password,
	    settings_default(pw, (enum personality)run->personality)) == 0;
	if (!run->web_enabled) {
		if (w->enabled || w->bound)
			log_info("web: disabled (web.enabled = false)");
		w->enabled = 0;
		unbind(w);
		sampler_stop(w);
		return 0;
	}
	w->enabled = 1;
	if (apply_tls(w, run) < 0) {
		unbind(w);
		return -EINVAL;
	}
	sampler_start(w);
	if (w->bound && w->port == run->web_port && strcmp(w->bind_addr, run->web_bind) == 0)
		return 0;
	unbind(w);
	util_strlcpy(w->bind_addr, run->web_bind, sizeof(w->bind_addr));
	w->bind_failures = 0;
	return bind_port(w, run->web_port);
}

int
web_port(const struct web *w)
{
	return w && w->bound ? (int)w->port : 0;
}

struct web *
web_new(const struct host *host)
{
	struct web *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->host = *host;
	w->base = host_base(host);
	w->http = evhttp_new(w->base);
	w->ev_rebind = evtimer_new(w->base, on_rebind, w);
	if (!w->http || !w->ev_rebind) {
		web_free(w);
		return NULL;
	}
	evhttp_set_max_body_size(w->http, WEB_BODY_MAX);
	evhttp_set_max_headers_size(w->http, WEB_HEADERS_MAX);
	evhttp_set_timeout(w->http, WEB_TIMEOUT_SEC);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_gencb(w->http, on_request, w);
	evhttp_set_bevcb(w->http, on_new_connection, w);
	traffic_init(&w->traffic, 0);
	return w;
}

void
web_free(struct web *w)
{
	if (!w)
		return;
	listener_free(w->accept_policy);
	if (w->ev_rebind)
		event_free(w->ev_rebind);
	if (w->http)
		evhttp_free(w->http);
	sampler_stop(w);
	tls_drop(w);
	tls_glue_free(w->tls_lib);
	free(w);
}

/* --- the service (host.h) ------------------------------------------------------ */

static void *
service_new(const struct host *host)
{
	return web_new(host);
}

static int
service_apply(void *svc, const struct settings *run)
{
	return web_apply(svc, run);
}

static void
service_free(void *svc)
{
	web_free(svc);
}

static void
service_status(const void *svc, struct daemon_status *st)
{
	const struct web *w = svc;

	st->web_port = web_port(w);
	if (w && w->enabled) {
		link_listen_text(w->bind_addr, w->bound ? w->port : w->want_port, st->web_listen,
		    sizeof(st->web_listen));
		util_strlcpy(st->web_why, w->why, sizeof(st->web_why));
	}
}

const struct service web_service = {
	.name = "web",
	.new = service_new,
	.apply = service_apply,
	.free = service_free,
	.status = service_status,
};
