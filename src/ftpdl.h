/* The FTP download of PROTOCOLS.md §5: libcurl's FTP through the daemon's
 * one multi handle on the event loop (no threads, no blocking calls but
 * local file writes), into state_dir: a temp file renamed when complete,
 * resumed where it stopped after a break (REST), retried with backoff a
 * bounded number of times, capped in size; its CRC-32 computed as the bytes
 * arrive. What the file is (URL, complete, size, CRC) is kept in a small
 * metadata file beside it, so that both survive a daemon restart until
 * FTP_END. network.allow_out applies: the name is resolved here and pinned
 * (CURLOPT_RESOLVE), and every socket libcurl opens is checked. */
#ifndef USRB_FTPDL_H
#define USRB_FTPDL_H

#include <stddef.h>
#include <stdint.h>

#include "ftp.h"
#include "ftpmode.h"

struct event_base;
struct evdns_base;
struct curl_lazy;
struct settings;

/* The parts of an ftp:// URL we need ourselves (libcurl parses it again). */
struct ftp_url {
	char host[128];			/* without brackets */
	long port;			/* 21 when not given */
	char shown[FTP_URL_MAX + 8];	/* the URL, its password as *** */
};

/* ftp://[user[:password]@]host[:port]/path, printable ASCII without
 * spaces, at most FTP_URL_MAX bytes, the path not empty. 0 or -EINVAL. */
int ftpdl_url_parse(const char *url, size_t len, struct ftp_url *u);

enum ftpdl_meta_state { META_LOADING, META_COMPLETE, META_FAILED };

/* The metadata file: "key=value" lines (url, state, size, crc32). */
struct ftpdl_meta {
	char url[FTP_URL_MAX + 1];
	enum ftpdl_meta_state state;
	uint32_t size, crc;
};

#define FTPDL_META_MAX 512	/* bytes of a metadata file read */

/* Text of m; returns its length (0 when cap is too small). */
size_t ftpdl_meta_format(const struct ftpdl_meta *m, char *buf, size_t cap);
/* 0, or -EINVAL when text is not a metadata file (no valid URL, unknown
 * state, bad numbers). */
int ftpdl_meta_parse(const char *text, size_t len, struct ftpdl_meta *m);

/* The download ended: f is the complete file, or NULL when it failed. */
typedef void (*ftpdl_done_fn)(void *arg, const struct ftp_file *f);

struct ftpdl;

struct ftpdl *ftpdl_new(struct event_base *base, struct evdns_base *dns,
    struct curl_lazy *curl, ftpdl_done_fn done, void *arg);
/* Cancels the transfer; the files stay. Accepts NULL. */
void ftpdl_free(struct ftpdl *dl);

/* Settings for the next attempts (state_dir is taken while no session
 * exists). */
void ftpdl_configure(struct ftpdl *dl, const struct settings *run);

/* Takes up the session the metadata in state_dir describes, after a daemon
 * restart: FTPM_IDLE (none), FTPM_LOADING (the download resumes now),
 * FTPM_READY (*f is the file, checked against its size and CRC) or
 * FTPM_FAILED. */
enum ftpmode_state ftpdl_restore(struct ftpdl *dl, struct ftp_file *f);

/* ftpmode_ops.start: enum ftp_start_result or -EINVAL (malformed URL). */
int ftpdl_start(struct ftpdl *dl, const char *url, size_t len, struct ftp_file *f);
/* ftpmode_ops.read: bytes of the complete file, or -errno. */
int ftpdl_read(struct ftpdl *dl, uint32_t off, uint8_t *buf, size_t n);
/* FTP_END: cancels, deletes the file and its metadata. */
void ftpdl_end(struct ftpdl *dl);

void ftpdl_status(const struct ftpdl *dl, struct ftp_status *st);

#endif
