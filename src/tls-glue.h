/* OpenSSL and libevent's OpenSSL bufferevents for the web page's HTTPS,
 * loaded with dlopen when HTTPS is configured (tls-glue.c says why). Users
 * call them through the function table this module hands out. */
#ifndef USRB_TLS_GLUE_H
#define USRB_TLS_GLUE_H

#include <stddef.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

/* The libraries the daemon loads (Debian's libssl3, libevent-openssl-2.1-7). */
#define LIBSSL_SONAME "libssl.so.3"
#define LIBEVENT_OPENSSL_SONAME "libevent_openssl-2.1.so.7"

/* The functions we use, resolved with dlsym; the types come from the
 * headers, so a mismatch is a compile error. */
struct tls_fns {
	__typeof__(SSL_CTX_new) *ctx_new;
	__typeof__(TLS_server_method) *server_method;
	__typeof__(SSL_CTX_ctrl) *ctx_ctrl;	/* SSL_CTX_set_min_proto_version */
	__typeof__(SSL_CTX_use_certificate_chain_file) *use_chain;
	__typeof__(SSL_CTX_use_PrivateKey_file) *use_key;
	__typeof__(SSL_CTX_check_private_key) *check_key;
	__typeof__(SSL_CTX_free) *ctx_free;
	__typeof__(SSL_new) *ssl_new;
	__typeof__(SSL_free) *ssl_free;
	__typeof__(ERR_get_error) *err_get;
	__typeof__(ERR_reason_error_string) *err_reason;
	__typeof__(ERR_clear_error) *err_clear;
	__typeof__(bufferevent_openssl_socket_new) *bev_new;
	__typeof__(bufferevent_openssl_set_allow_dirty_shutdown) *bev_dirty;
};

struct tls_glue;

/* Loads the libraries; NULL with why filled when one is missing or lacks a
 * function. */
struct tls_glue *tls_glue_new(char *why, size_t cap);
/* Accepts NULL. Every SSL object made through it must be freed first. */
void tls_glue_free(struct tls_glue *g);
const struct tls_fns *tls_glue_fns(const struct tls_glue *g);

#endif
