/* The web page's HTTPS libraries, loaded on first use.
 *
 * Why dlopen: linking libssl and libevent_openssl raised the daemon's
 * resident memory from 2.9 to 4.5 MiB (libcrypto alone 1.4 MiB of
 * relocated data), for every user, while HTTPS is an option few turn on;
 * the benchmark's target is 4 MiB. So, like libcurl (curl-glue.c), the
 * libraries are loaded when web.tls_cert is set, and never otherwise. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-glue.h"
#include "util.h"

/* Owned by its maker (the web page, or the config check). */
struct tls_glue {
	void *ssl, *evssl;
	struct tls_fns fn;
};

static const struct {
	const char *name;
	size_t off;
	int evssl;		/* in libevent_openssl, else in libssl (or libcrypto) */
} symbols[] = {
#define SYM(n, f, e) { n, offsetof(struct tls_fns, f), e }
	SYM("SSL_CTX_new", ctx_new, 0), SYM("TLS_server_method", server_method, 0),
	SYM("SSL_CTX_ctrl", ctx_ctrl, 0),
	SYM("SSL_CTX_use_certificate_chain_file", use_chain, 0),
	SYM("SSL_CTX_use_PrivateKey_file", use_key, 0),
	SYM("SSL_CTX_check_private_key", check_key, 0), SYM("SSL_CTX_free", ctx_free, 0),
	SYM("SSL_new", ssl_new, 0), SYM("SSL_free", ssl_free, 0),
	/* libcrypto's, found through libssl's dependencies (dlsym(3)). */
	SYM("ERR_get_error", err_get, 0), SYM("ERR_reason_error_string", err_reason, 0),
	SYM("ERR_clear_error", err_clear, 0),
	SYM("bufferevent_openssl_socket_new", bev_new, 1),
	SYM("bufferevent_openssl_set_allow_dirty_shutdown", bev_dirty, 1),
#undef SYM
};

struct tls_glue *
tls_glue_new(char *why, size_t cap)
{
	struct tls_glue *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	/* RTLD_NODELETE: OpenSSL registers exit handlers of its own. */
	g->ssl = dlopen(LIBSSL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	g->evssl = g->ssl ? dlopen(LIBEVENT_OPENSSL_SONAME, RTLD_NOW | RTLD_LOCAL |
	    RTLD_NODELETE) : NULL;
	if (!g->ssl || !g->evssl) {
		snprintf(why, cap, "HTTPS needs %s (%s; Debian packages libssl3 and "
		    "libevent-openssl-2.1-7)", g->ssl ? LIBEVENT_OPENSSL_SONAME : LIBSSL_SONAME,
		    dlerror());
		tls_glue_free(g);
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(symbols); i++) {
		void *p = dlsym(symbols[i].evssl ? g->evssl : g->ssl, symbols[i].name);

		if (!p) {
			snprintf(why, cap, "HTTPS: %s has no %s", symbols[i].evssl ?
			    LIBEVENT_OPENSSL_SONAME : LIBSSL_SONAME, symbols[i].name);
			tls_glue_free(g);
			return NULL;
		}
		memcpy((char *)&g->fn + symbols[i].off, &p, sizeof(p));
	}
	return g;
}

void
tls_glue_free(struct tls_glue *g)
{
	if (!g)
		return;
	if (g->evssl)
		dlclose(g->evssl);
	if (g->ssl)
		dlclose(g->ssl);
	free(g);
}

const struct tls_fns *
tls_glue_fns(const struct tls_glue *g)
{
	return &g->fn;
}
