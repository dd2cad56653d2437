/* Small helpers shared by every module: time, strict number parsing, hex. */
#ifndef USRB_UTIL_H
#define USRB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Monotonic clock in microseconds. */
int64_t util_now_us(void);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t size);

/* Parses a whole decimal integer in [min, max]; 0 or -EINVAL / -ERANGE. */
int util_parse_long(const char *s, long min, long max, long *out);

/* Hex text <-> bytes. util_hex_decode returns the byte count or -EINVAL. */
int util_hex_decode(const char *hex, uint8_t *out, size_t cap);
void util_hex_encode(const uint8_t *in, size_t len, char *out, int upper);

/* Writes a hex+ASCII dump line of up to 16 bytes into out (>= 80 bytes). */
void util_hexdump_line(const uint8_t *in, size_t len, char *out, size_t cap);

/* Ignores SIGPIPE-prone close()/write() errors: sets FD_CLOEXEC and O_NONBLOCK. */
int util_fd_nonblock_cloexec(int fd);

/* mkdir -p: creates path and its missing parents. 0 or -errno. */
int util_mkdir_p(const char *path, int mode);

/* Writes a whole file atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. 0 or -errno. */
int util_write_atomic(const char *path, const void *data, size_t len, int mode);

#endif
