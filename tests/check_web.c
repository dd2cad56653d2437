/* The web page: its pure helpers (Base64 of the Authorization header, the
 * Basic credential check, the same-origin rule for form posts), and its
 * requests - the settings form of each personality, a form post saved
 * through the host all or nothing, auth, the status pages - answered by
 * web_handle() against a fake host (fake_host.c), without a socket. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "fake_host.h"
#include "throttle.h"
#include "unit.h"
#include "util.h"
#include "web.h"

START_TEST(test_base64)
{
	static const struct { const char *in; const char *out; int n; } rows[] = {
		{ "", "", 0 },
		{ "YQ==", "a", 1 },
		{ "YWI=", "ab", 2 },
		{ "YWJj", "abc", 3 },
		{ "YWRtaW46YWRtaW4=", "admin:admin", 11 },
		{ "/+/+", "\xff\xef\xfe", 3 },
		{ "YQ", NULL, -EINVAL },	/* not a multiple of 4 */
		{ "Y===", NULL, -EINVAL },	/* three pads */
		{ "YQ==YQ==", NULL, -EINVAL },	/* pad inside */
		{ "Y!==", NULL, -EINVAL },
		{ "YW=j", NULL, -EINVAL },
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int n = web_base64_decode(rows[i].in, out, sizeof(out));

		ck_assert_msg(n == rows[i].n, "'%s': %d", rows[i].in, n);
		if (n > 0)
			ck_assert_mem_eq(out, rows[i].out, (size_t)n);
	}
	ck_assert_int_eq(web_base64_decode("YWJjZA==", out, 3), -ENOSPC);
}
END_TEST

START_TEST(test_auth)
{
	ck_assert(web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(web_auth_ok("basic  YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admi"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admi", "admin"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admin1"));
	ck_assert(!web_auth_ok("Bearer YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(!web_auth_ok("Basic", "admin", "admin"));
	ck_assert(!web_auth_ok(NULL, "admin", "admin"));
	ck_assert(!web_auth_ok("Basic !!!!", "admin", "admin"));
	/* ":" alone is user "" and password "": never configured (1-5 bytes). */
	ck_assert(!web_auth_ok("Basic Og==", "a", "b"));
	/* Overlong headers are refused before decoding. */
	{
		char big[400];

		memset(big, 'Q', sizeof(big));
		memcpy(big, "Basic ", 6);
		big[sizeof(big) - 1] = '\0';
		ck_assert(!web_auth_ok(big, "admin", "admin"));
	}
}
END_TEST

START_TEST(test_same_origin)
{
	ck_assert(web_same_origin(NULL, NULL, "127.0.0.1:80"));
	ck_assert(web_same_origin("http://127.0.0.1:80", NULL, "127.0.0.1:80"));
	ck_assert(web_same_origin(NULL, "http://127.0.0.1:80/settings", "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://127.0.0.1:8080", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://127.0.0.1:80.evil.com", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://evil.com", "http://127.0.0.1:80/", "127.0.0.1:80"));
	ck_assert(!web_same_origin("null", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://a", NULL, NULL));
}
END_TEST

/* --- requests against the fake host ------------------------------------------ */

static struct web *web;
static struct web_reply rp;
static struct sockaddr_in peer = { .sin_family = AF_INET };
static char page[65536];

/* The running settings of the page: credentials admin:pw123 (the factory
 * admin:admin only gives the form to change them), loopback only; not
 * enabled, so that nothing listens. */
static void
apply(void)
{
	struct settings run = fh.st;

	run.web_enabled = 0;
	util_strlcpy(run.allow_in, "127.0.0.0/8", sizeof(run.allow_in));
	ck_assert_int_eq(web_apply(web, &run), 0);
}

static void
setup(void)
{
	fake_host_reset(PERS_30X);
	strcpy(fh.st.web_password, "pw123");
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	web = web_new(&fake_host);
	ck_assert(web);
	apply();
	rp.body = evbuffer_new();
}

static void
teardown(void)
{
	evbuffer_free(rp.body);
	web_free(web);
	fake_host_free();
}

/* One request as the browser of test_web.py sends it; returns the page. */
static const char *
req(int method, const char *path, const char *query, const char *auth, const char *body)
{
	struct web_request rq = {
		.method = method, .path = path, .query = query,
		.peer = (const struct sockaddr *)&peer,
		.authorization = auth ? auth : "Basic YWRtaW46cHcxMjM=",	/* admin:pw123 */
		.content_type = body ? "application/x-www-form-urlencoded" : NULL,
		.body = body, .body_len = body ? strlen(body) : 0,
	};
	size_t n;
	struct evbuffer *b = rp.body;

	evbuffer_drain(b, evbuffer_get_length(b));
	memset(&rp, 0, sizeof(rp));
	rp.body = b;
	ck_assert_int_eq(web_handle(web, &rq, &rp), 0);
	n = evbuffer_copyout(b, page, sizeof(page) - 1);
	page[n] = '\0';
	return page;
}

/* The row of one field in the settings form ("" when it is not there). */
static const char *
form_row(const char *p, const char *key)
{
	static char row[4096];
	char label[128];
	const char *a, *e;

	snprintf(label, sizeof(label), "<label for=\"f-%s\">", key);
	row[0] = '\0';
	if (!(a = strstr(p, label)))
		return row;
	while (a > p && strncmp(a, "<div ", 5) != 0)
		a--;
	e = strstr(a, "</div>");
	ck_assert(e && (size_t)(e - a) < sizeof(row));
	memcpy(row, a, (size_t)(e - a));
	row[e - a] = '\0';
	return row;
}

/* Every run-time setting AT can see in the personality is on the form; no
 * other setting is; secrets are never sent. */
START_TEST(test_form_follows_the_table)
{
	enum personality p = _i ? PERS_721 : PERS_30X;
	const char *pg;

	fake_host_reset(p);
	strcpy(fh.st.web_password, "s3cr3");
	pg = req(EVHTTP_REQ_GET, "/settings", NULL, NULL, NULL);
	ck_assert_int_eq(rp.code, 200);
	ck_assert(!rp.json && !rp.location[0]);
	for (size_t i = 0; i < settings_nrefs(); i++) {
		struct setting_ref r = settings_ref(i);
		char key[SETTINGS_KEY_MAX], name[96];
		int want = (r.s->flags & S_PERSIST) && settings_at_visible(r, p);

		snprintf(name, sizeof(name), "name=\"%s\"", settings_key(r, key, sizeof(key)));
		ck_assert_msg(!!strstr(pg, name) == want, "%s: %s on the form of %s", key,
		    want ? "not" : "", personality_name(p));
	}
	ck_assert(!strstr(pg, "s3cr3"));
	if (p == PERS_30X) {
		ck_assert_msg(strstr(form_row(pg, "link1.port"), "<span class=\"at\">AT+SOCK</span>"),
		    "%s", form_row(pg, "link1.port"));
		ck_assert(strstr(form_row(pg, "device.name"), "value=\"USR-TCP232-30X\""));
		ck_assert(strstr(pg, "<legend>link1</legend>"));
	} else {
		ck_assert(strstr(pg, "<legend>link4</legend>"));
		/* The 721's commands of a link's and a group's rows. */
		ck_assert_msg(strstr(form_row(pg, "link3.host"),
		    "<span class=\"at\">AT+CIPSCONT</span>"), "%s", form_row(pg, "link3.host"));
		ck_assert(strstr(form_row(pg, "link2.local_port"), "AT+CINETPT"));
		ck_assert(strstr(form_row(pg, "reg.data"), "AT+CIPPACK"));
		ck_assert(strstr(form_row(pg, "serial.pack_gap_us"), "AT+CIPCFG"));
	}
}
END_TEST

START_TEST(test_save)
{
	req(EVHTTP_REQ_POST, "/settings", NULL, NULL,
	    "device.name=Line+7&serial.parity=EVEN&link1.port=8234&web.password=");
	ck_assert_int_eq(rp.code, 303);
	ck_assert_str_eq(rp.location, "/settings?saved=2");
	ck_assert_int_eq(fh.sets, 1);			/* one set, all fields at once */
	ck_assert_str_eq(fh.st.name, "Line 7");
	ck_assert_int_eq(fh.st.parity, PARITY_EVEN);
	ck_assert_str_eq(fh.st.web_password, "pw123");	/* empty secret: unchanged */
	/* The page it redirects to. */
	req(EVHTTP_REQ_GET, "/settings", "saved=2", NULL, NULL);
	ck_assert_msg(strstr(page, "Saved 2 settings. Changes take effect at the next restart."),
	    "%s", page);
	ck_assert(strstr(form_row(page, "device.name"), "value=\"Line 7\""));
	/* Nothing changed. */
	req(EVHTTP_REQ_POST, "/settings", NULL, NULL, "device.name=Line+7");
	ck_assert_int_eq(rp.code, 303);
	ck_assert_str_eq(rp.location, "/settings?saved=0");
	ck_assert_int_eq(fh.sets, 1);
}
END_TEST

/* A bad field: every bad one marked, the text as typed kept, nothing saved. */
START_TEST(test_save_refused)
{
	struct settings before = fh.st;
	const char *row;

	req(EVHTTP_REQ_POST, "/settings", NULL, NULL,
	    "device.name=Line+8&link1.port=70000&serial.baud=x");
	ck_assert_int_eq(rp.code, 400);
	ck_assert_msg(strstr(page, "Nothing was saved: correct the fields marked below."), "%s",
	    page);
	row = form_row(page, "link1.port");
	ck_assert_msg(strncmp(row, "<div class=\"row bad\">", 21) == 0 &&
	    strstr(row, "must be an integer from 1 to 65535") && strstr(row, "value=\"70000\""),
	    "%s", row);
	ck_assert(strstr(form_row(page, "serial.baud"), "class=\"error\""));
	row = form_row(page, "device.name");
	ck_assert_msg(!strstr(row, "error") && strstr(row, "value=\"Line 8\""), "%s", row);
	ck_assert_int_eq(fh.sets, 0);
	ck_assert(memcmp(&before, &fh.st, sizeof(before)) == 0);
	/* The host cannot save: said in the banner, nothing changed. */
	fh.save_error = -EROFS;
	req(EVHTTP_REQ_POST, "/settings", NULL, NULL, "device.name=Line+9");
	ck_assert_int_eq(rp.code, 500);
	ck_assert_msg(strstr(page, "Nothing was saved: cannot save: Read-only file system"), "%s",
	    page);
	ck_assert(memcmp(&before, &fh.st, sizeof(before)) == 0);
}
END_TEST

START_TEST(test_auth_and_origin)
{
	struct web_request rq = {
		.method = EVHTTP_REQ_POST, .path = "/restart",
		.peer = (const struct sockaddr *)&peer,
		.authorization = "Basic YWRtaW46cHcxMjM=",
		.origin = "http://attacker.example", .host = "127.0.0.1:80",
	};

	req(EVHTTP_REQ_GET, "/", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);	/* admin:wrong */
	ck_assert_int_eq(rp.code, 401);
	ck_assert(rp.ask_auth);
	ck_assert(strstr(page, "401 Unauthorized"));
	req(EVHTTP_REQ_POST, "/settings", NULL, "Basic YWRtaW46d3Jvbmc=", "device.name=x");
	ck_assert_int_eq(rp.code, 401);
	ck_assert_int_eq(fh.sets, 0);
	/* Credentials follow web_apply(). */
	strcpy(fh.st.web_password, "wrong");
	apply();
	req(EVHTTP_REQ_GET, "/", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
	ck_assert_int_eq(rp.code, 200);
	peer.sin_addr.s_addr = htonl(0x0a000001);	/* 10.0.0.1: not in allow_in */
	req(EVHTTP_REQ_GET, "/", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
	ck_assert_int_eq(rp.code, 403);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rq.authorization = "Basic YWRtaW46d3Jvbmc=";
	evbuffer_drain(rp.body, evbuffer_get_length(rp.body));
	ck_assert_int_eq(web_handle(web, &rq, &rp), 0);
	ck_assert_int_eq(rp.code, 403);
	ck_assert_int_eq(fh.restarts, 0);
	req(EVHTTP_REQ_PUT, "/settings", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
	ck_assert_int_eq(rp.code, 405);
	req(EVHTTP_REQ_GET, "/nope", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
	ck_assert_int_eq(rp.code, 404);
}
END_TEST

START_TEST(test_status_pages)
{
	struct evbuffer *want = evbuffer_new();
	char w[8192];
	size_t n;

	fh.status.personality = PERS_30X;
	fh.status.restarts = 4;
	fh.status.nlinks = 1;
	fh.status.link[0].active = 1;
	fh.status.link[0].mode = "TCPS";
	fh.status.link[0].state = "up";
	strcpy(fh.status.link[0].peers, "1=127.0.0.1:5000");
	fh.status.web_port = 8080;
	req(EVHTTP_REQ_GET, "/", NULL, NULL, NULL);
	ck_assert_int_eq(rp.code, 200);
	ck_assert(!rp.json);
	ck_assert_msg(strstr(page, "<h2>Status</h2>") &&
	    strstr(page, "<tr><th>Restarts</th><td>4</td></tr>") &&
	    strstr(page, "<tr><td>link1</td><td>TCPS</td><td>up</td><td>1=127.0.0.1:5000</td>"),
	    "%s", page);
	ck_assert(!strstr(page, "script"));
	req(EVHTTP_REQ_GET, "/status.json", NULL, NULL, NULL);
	ck_assert_int_eq(rp.code, 200);
	ck_assert(rp.json);
	status_json(&fh.status, want);
	n = evbuffer_copyout(want, w, sizeof(w) - 1);
	w[n] = '\0';
	ck_assert_str_eq(page, w);
	req(EVHTTP_REQ_POST, "/restart", NULL, NULL, "");
	ck_assert_int_eq(rp.code, 200);
	ck_assert(strstr(page, "Restarting"));
	ck_assert_int_eq(fh.restarts, 1);
	ck_assert_str_eq(fh.restart_why, "web page");
	evbuffer_free(want);
}
END_TEST

#define ADMIN_ADMIN "Basic YWRtaW46YWRtaW4="

/* The factory admin:admin: only the form to change it; nothing else shows
 * or acts until it is changed, then the new credentials work at once. */
START_TEST(test_first_login)
{
	char pw64[65], body[300];

	fake_host_reset(PERS_30X);
	apply();
	req(EVHTTP_REQ_GET, "/", NULL, ADMIN_ADMIN, NULL);
	ck_assert_int_eq(rp.code, 200);
	ck_assert_msg(strstr(page, "<h2>Set a password</h2>") && strstr(page, "action=\"/password\""),
	    "%s", page);
	ck_assert(!strstr(page, "<h2>Status</h2>") && !strstr(page, "href=\"/settings\""));
	ck_assert(!strstr(page, "value=\"admin\"\" autocomplete=\"new-password\""));
	req(EVHTTP_REQ_GET, "/settings", NULL, ADMIN_ADMIN, NULL);
	ck_assert_int_eq(rp.code, 403);
	req(EVHTTP_REQ_GET, "/status.json", NULL, ADMIN_ADMIN, NULL);
	ck_assert_int_eq(rp.code, 403);
	ck_assert(!rp.json);
	req(EVHTTP_REQ_POST, "/restart", NULL, ADMIN_ADMIN, "");
	ck_assert_int_eq(rp.code, 403);
	req(EVHTTP_REQ_POST, "/settings", NULL, ADMIN_ADMIN, "device.name=x");
	ck_assert_int_eq(rp.code, 403);
	ck_assert_int_eq(fh.restarts + fh.sets, 0);
	/* Refused: differing, the factory one, too long, empty. */
	req(EVHTTP_REQ_POST, "/password", NULL, ADMIN_ADMIN, "user=admin&password=abc&confirm=abd");
	ck_assert_int_eq(rp.code, 400);
	ck_assert(strstr(page, "The two passwords differ."));
	req(EVHTTP_REQ_POST, "/password", NULL, ADMIN_ADMIN, "password=admin&confirm=admin");
	ck_assert_int_eq(rp.code, 400);
	ck_assert(strstr(page, "That is the factory password"));
	memset(pw64, 'p', 64);
	pw64[64] = '\0';
	snprintf(body, sizeof(body), "password=%sq&confirm=%sq", pw64, pw64);
	req(EVHTTP_REQ_POST, "/password", NULL, ADMIN_ADMIN, body);
	ck_assert_int_eq(rp.code, 400);
	ck_assert_msg(strstr(page, "web.password: must be 1 to 64 bytes"), "%s", page);
	req(EVHTTP_REQ_POST, "/password", NULL, ADMIN_ADMIN, "password=&confirm=");
	ck_assert_int_eq(rp.code, 400);
	ck_assert_int_eq(fh.sets, 0);
	/* 64 bytes and a new user: saved through the host, in force at once. */
	snprintf(body, sizeof(body), "user=boss&password=%s&confirm=%s", pw64, pw64);
	req(EVHTTP_REQ_POST, "/password", NULL, ADMIN_ADMIN, body);
	ck_assert_int_eq(rp.code, 200);
	ck_assert(strstr(page, "Password changed"));
	ck_assert_int_eq(fh.sets, 1);
	ck_assert_str_eq(fh.st.web_user, "boss");
	ck_assert_str_eq(fh.st.web_password, pw64);
	req(EVHTTP_REQ_GET, "/", NULL, ADMIN_ADMIN, NULL);
	ck_assert_int_eq(rp.code, 401);
	/* boss:ppp...p (64) */
	req(EVHTTP_REQ_GET, "/", NULL, "Basic Ym9zczpwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH"
	    "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw", NULL);
	ck_assert_int_eq(rp.code, 200);
	ck_assert(strstr(page, "<h2>Status</h2>"));
}
END_TEST

/* Wrong passwords: free at first, then 429 with Retry-After for that
 * address only, even with the right password. */
START_TEST(test_throttled)
{
	for (int i = 0; i <= THROTTLE_FREE; i++) {
		req(EVHTTP_REQ_GET, "/", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
		ck_assert_int_eq(rp.code, 401);
		ck_assert_int_eq(rp.retry_after, 0);
	}
	req(EVHTTP_REQ_GET, "/", NULL, "Basic YWRtaW46d3Jvbmc=", NULL);
	ck_assert_int_eq(rp.code, 429);
	ck_assert_int_eq(rp.retry_after, 1);
	ck_assert(!rp.ask_auth);
	req(EVHTTP_REQ_GET, "/", NULL, NULL, NULL);	/* the right one: not looked at */
	ck_assert_int_eq(rp.code, 429);
	req(EVHTTP_REQ_GET, "/", NULL, "", NULL);	/* no credentials: just asked */
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);	/* another source */
	req(EVHTTP_REQ_GET, "/", NULL, NULL, NULL);
	ck_assert_int_eq(rp.code, 200);
}
END_TEST

/* The form shows the groups the mode uses first, the rest folded; the
 * status page has the traffic picture. */
START_TEST(test_folded_and_picture)
{
	const char *more, *p;

	fh.st.link[0].mode = LINK_TCPS;
	req(EVHTTP_REQ_GET, "/settings", NULL, NULL, NULL);
	more = strstr(page, "<details id=\"more\"><summary>");
	ck_assert_msg(more, "%s", page);
	ck_assert(strstr(page, "<legend>link1</legend>") < more);
	ck_assert(strstr(page, "<legend>tcps</legend>") < more);
	ck_assert(strstr(page, "<legend>http</legend>") > more);
	ck_assert(strstr(page, "<legend>heartbeat</legend>") > more);
	ck_assert(strstr(more, "</details>") < strstr(page, "id=\"save\""));
	/* HTPC: the HTTP client's group is used, the TCP server's folded. */
	fh.st.link[0].mode = LINK_HTPC;
	req(EVHTTP_REQ_GET, "/settings", NULL, NULL, NULL);
	more = strstr(page, "<details id=\"more\">");
	ck_assert(more && strstr(page, "<legend>http</legend>") < more &&
	    strstr(page, "<legend>tcps</legend>") > more);
	/* A bad field comes back with the folded part open. */
	req(EVHTTP_REQ_POST, "/settings", NULL, NULL, "heartbeat.interval=x");
	ck_assert_int_eq(rp.code, 400);
	ck_assert(strstr(page, "<details id=\"more\" open>"));

	fh.status.nlinks = 1;
	fh.status.link[0].active = 1;
	fh.status.link[0].mode = "TCPS";
	fh.status.link[0].state = "up";
	req(EVHTTP_REQ_GET, "/", NULL, NULL, NULL);
	p = strstr(page, "<figure id=\"traffic-link1\"><svg ");
	ck_assert_msg(p && strstr(p, "<title>link1 (TCPS)</title>") && strstr(p, "</svg></figure>"),
	    "%s", page);
	ck_assert(strstr(page, "<meta http-equiv=\"refresh\""));
}
END_TEST

/* web.password: 1-64 bytes from the config file and usrbridgectl, 1-5
 * over AT (seed 000 §4.8), checked by the table's AT bounds. */
START_TEST(test_password_bounds)
{
	struct setting_ref r = settings_find("web.password");
	char pw[66], why[160];
	const char *t[1] = { pw };
	struct settings st;

	settings_defaults(&st, PERS_30X);
	memset(pw, 'x', sizeof(pw));
	pw[64] = '\0';
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_RUNTIME, why, sizeof(why)), 0);
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_CONFIG, why, sizeof(why)), 0);
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_AT, why, sizeof(why)), -ERANGE);
	ck_assert_str_eq(why, "web.password: must be 1 to 5 bytes over AT");
	pw[64] = 'x';
	pw[65] = '\0';
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_RUNTIME, why, sizeof(why)), -ERANGE);
	pw[5] = '\0';
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_AT, why, sizeof(why)), 0);
	pw[6] = '\0';
	pw[5] = 'x';
	ck_assert_int_eq(settings_set_many(&st, &r, t, 1, SET_AT, why, sizeof(why)), -ERANGE);
}
END_TEST

START_TEST(test_tls_check)
{
	char why[400];

	fake_host_reset(PERS_30X);
	ck_assert_int_eq(web_tls_check(&fh.st, why, sizeof(why)), 0);	/* plain HTTP */
	strcpy(fh.st.web_tls_cert, "/nonexistent/cert.pem");
	ck_assert_int_eq(web_tls_check(&fh.st, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "web.tls_cert and web.tls_key go together: web.tls_key is empty");
	strcpy(fh.st.web_tls_key, "/nonexistent/key.pem");
	ck_assert_int_eq(web_tls_check(&fh.st, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "web.tls_cert: cannot read /nonexistent/cert.pem: "
	    "No such file or directory");
	strcpy(fh.st.web_tls_cert, "/etc/hostname");
	ck_assert_int_eq(web_tls_check(&fh.st, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "web.tls_key: cannot read /nonexistent/key.pem"), "%s", why);
	fh.st.web_enabled = 0;		/* no page: nothing to load */
	ck_assert_int_eq(web_tls_check(&fh.st, why, sizeof(why)), 0);
}
END_TEST

Suite *
suite_web(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("helpers");

	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_same_origin);
	suite_add_tcase(s, tc);
	tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_form_follows_the_table, 0, 2);	/* 30X, 721 */
	tcase_add_test(tc, test_save);
	tcase_add_test(tc, test_save_refused);
	tcase_add_test(tc, test_auth_and_origin);
	tcase_add_test(tc, test_status_pages);
	tcase_add_test(tc, test_first_login);
	tcase_add_test(tc, test_throttled);
	tcase_add_test(tc, test_folded_and_picture);
	tcase_add_test(tc, test_password_bounds);
	tcase_add_test(tc, test_tls_check);
	suite_add_tcase(s, tc);
	return s;
}
