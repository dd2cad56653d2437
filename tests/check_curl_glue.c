/* The libcurl glue: a missing library is an error the caller can handle, and
 * a transfer runs to its done callback on our event loop (here against a
 * closed loopback port, so no server is needed). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "curl-glue.h"
#include "unit.h"

START_TEST(test_missing_library)
{
	struct event_base *base = event_base_new();

	ck_assert_ptr_null(curl_glue_new(base, "libusrb-no-such-curl.so.4"));
	event_base_free(base);
}
END_TEST

static int done_calls;
static CURLcode done_result;

static void
done(CURL *easy, CURLcode result, void *arg)
{
	done_calls++;
	done_result = result;
	event_base_loopbreak(arg);
}

static int
closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

START_TEST(test_transfer_ends_on_loop)
{
	struct event_base *base = event_base_new();
	struct curl_glue *g = curl_glue_new(base, "libcurl.so.4");
	const struct curl_fns *fn;
	char url[64];
	CURL *easy;

	ck_assert_ptr_nonnull(g);
	fn = curl_glue_fns(g);
	easy = fn->easy_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	fn->easy_setopt(easy, CURLOPT_URL, url);
	fn->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	fn->easy_setopt(easy, CURLOPT_PROXY, "");
	fn->easy_setopt(easy, CURLOPT_TIMEOUT, 10L);
	done_calls = 0;
	ck_assert_int_eq(curl_glue_start(g, easy, done, base), 0);
	ck_assert_int_eq(curl_glue_active(g), 1);
	event_base_dispatch(base);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_result, CURLE_COULDNT_CONNECT);
	ck_assert_int_eq(curl_glue_active(g), 0);
	fn->easy_cleanup(easy);
	curl_glue_free(g);
	event_base_free(base);
}
END_TEST

START_TEST(test_cancel)
{
	struct event_base *base = event_base_new();
	struct curl_glue *g = curl_glue_new(base, "libcurl.so.4");
	const struct curl_fns *fn = curl_glue_fns(g);
	CURL *easy = fn->easy_init();

	fn->easy_setopt(easy, CURLOPT_URL, "http://127.0.0.1:9/");
	fn->easy_setopt(easy, CURLOPT_PROXY, "");
	done_calls = 0;
	ck_assert_int_eq(curl_glue_start(g, easy, done, base), 0);
	curl_glue_cancel(g, easy);
	ck_assert_int_eq(curl_glue_active(g), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(done_calls, 0);
	fn->easy_cleanup(easy);
	curl_glue_free(g);
	event_base_free(base);
}
END_TEST

Suite *
suite_curl_glue(void)
{
	Suite *s = suite_create("curl_glue");
	TCase *tc = tcase_create("curl_glue");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_missing_library);
	tcase_add_test(tc, test_transfer_ends_on_loop);
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);
	return s;
}
