/* The benchmark's reference: the least a serial <-> TCP bridge can do on this
 * machine. One poll() loop, a 64 KiB buffer per direction, blocking-style
 * writes (it waits until every client took a chunk), no framing, no
 * console, no queues. Its figures are the ceiling the real bridges are
 * compared to; it is not a product: a client that never reads stalls it,
 * and nothing it does is bounded but its buffer.
 *
 *   relay SERIAL_PATH PORT [MAX_CLIENTS]
 *   relay -c SERIAL_PATH PORT [CONNECTIONS]
 *
 * Listens on 127.0.0.1 only; with -c it is a TCP client instead: it connects
 * to 127.0.0.1:PORT once, or CONNECTIONS times to fan out as the 721's four
 * links do (the benchmark's TCPC scenarios); when a peer goes away it does
 * not dial again, and that connection's data goes nowhere. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define CLIENTS_MAX 64
#define BUF (64 * 1024)

static int clients[CLIENTS_MAX];
static int nclients;

static void
drop(int i)
{
	close(clients[i]);
	clients[i] = clients[--nclients];
}

/* Writes all of buf, waiting for room: a naive relay's back-pressure. */
static int
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, -1);
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char buf[BUF];
	int ser, lfd = -1, one = 1, max, dial = argc > 1 && strcmp(argv[1], "-c") == 0;
	struct termios t;

	argc -= dial;
	argv += dial;
	max = argc > 3 ? atoi(argv[3]) : 1;
	if (argc < 3 || max < 1 || max > CLIENTS_MAX) {
		fprintf(stderr, "usage: relay SERIAL_PATH PORT [MAX_CLIENTS]\n"
		    "       relay -c SERIAL_PATH PORT [CONNECTIONS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ser = open(argv[1], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (ser < 0 || tcgetattr(ser, &t) < 0) {
		perror(argv[1]);
		return 1;
	}
	cfmakeraw(&t);
	tcsetattr(ser, TCSANOW, &t);
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int k = 0; dial && k < max; k++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("connect");
			return 1;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		clients[nclients++] = fd;
	}
	if (!dial) {
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0) {
			perror("listen");
			return 1;
		}
	}
	for (;;) {
		struct pollfd pf[CLIENTS_MAX + 2];
		int npf = nclients + 2;
		ssize_t n;

		pf[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = ser, .events = POLLIN };
		for (int i = 0; i < nclients; i++)
			pf[i + 2] = (struct pollfd){ .fd = clients[i], .events = POLLIN };
		if (poll(pf, (nfds_t)npf, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(ser, buf, sizeof(buf));
			/* The runner closed the pty (EIO): nothing left to relay,
			 * and polling it again would spin. */
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				return 0;
			for (int i = nclients - 1; n > 0 && i >= 0; i--)
				if (write_all(clients[i], buf, (size_t)n) < 0)
					drop(i);
		}
		/* By fd: a drop above may have reordered clients[]. */
		for (int k = 2; k < npf; k++) {
			int i;

			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (i = 0; i < nclients && clients[i] != pf[k].fd; i++)
				;
			if (i == nclients)
				continue;
			n = read(clients[i], buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				drop(i);
			else if (n > 0)
				write_all(ser, buf, (size_t)n);
		}
		if (pf[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0 && nclients == max)
				close(fd);
			else if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				clients[nclients++] = fd;
			}
		}
	}
}
