/* libcurl's multi-socket interface driven by our one event_base (DESIGN.md
 * §3, STYLE.md: the shape of curl's hiperfifo.c example). libcurl is not
 * linked into the daemon but loaded with dlopen on first use, so a daemon
 * that never makes an HTTP request does not pay for it (curl-glue.c says
 * why). Users call libcurl through the function table this module hands
 * out. */
#ifndef USRB_CURL_GLUE_H
#define USRB_CURL_GLUE_H

#include <curl/curl.h>

struct event_base;
struct curl_glue;

/* The library the daemon loads (Debian's libcurl4). */
#define LIBCURL_SONAME "libcurl.so.4"

/* The libcurl functions we use, resolved with dlsym. The types come from
 * <curl/curl.h>, so a mismatch is a compile error. */
struct curl_fns {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_version) *version;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_setopt) *multi_setopt;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_socket_action) *multi_socket_action;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_assign) *multi_assign;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_multi_strerror) *multi_strerror;
};

/* A transfer finished (result CURLE_OK or the error). The easy handle has
 * been taken out of the multi handle and is the caller's again. */
typedef void (*curl_glue_done_fn)(CURL *easy, CURLcode result, void *arg);

/* Loads soname ("libcurl.so.4" in the daemon) and makes a multi handle on
 * base. NULL when the library cannot be loaded or lacks a function: logged
 * here, once per call. */
struct curl_glue *curl_glue_new(struct event_base *base, const char *soname);
/* Cancel every transfer first. Accepts NULL. Must not be called from a
 * libcurl callback or a done callback. */
void curl_glue_free(struct curl_glue *g);

const struct curl_fns *curl_glue_fns(const struct curl_glue *g);

/* One multi handle per daemon (REVIEW.md §3 redesign 5): its owner (the
 * instance) keeps a struct curl_lazy, and every user (HTTP links, later
 * the FTP download) gets the glue through it. libcurl is loaded on the
 * first get; a failed load is tried again at the next get. */
struct curl_lazy {
	struct event_base *base;
	const char *soname;
	struct curl_glue *glue;
};

struct curl_glue *curl_lazy_get(struct curl_lazy *z);
/* Frees the glue (every transfer must be cancelled by its user first). */
void curl_lazy_free(struct curl_lazy *z);

/* Starts a transfer; done runs once when it ends. 0 or -EIO. */
int curl_glue_start(struct curl_glue *g, CURL *easy, curl_glue_done_fn done, void *arg);
/* Takes a transfer out without calling its done callback. */
void curl_glue_cancel(struct curl_glue *g, CURL *easy);
/* Transfers under way. */
int curl_glue_active(const struct curl_glue *g);

#endif
