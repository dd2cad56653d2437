/* CRC-32/ISO-HDLC, the IEEE one of zlib's crc32() and Python's zlib.crc32()
 * (PROTOCOLS.md §5 FTP_INFO): "123456789" gives 0xCBF43926. */
#ifndef USRB_CRC32_H
#define USRB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc is 0 to start, or the value so far to go on (as zlib's). */
uint32_t crc32_update(uint32_t crc, const uint8_t *d, size_t n);

#endif
