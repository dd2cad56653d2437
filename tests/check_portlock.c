/* Unit tests of the pure pieces of port locking and listener retries: the
 * lock file name (portlock.h), the listen backoff and the "why" text of a
 * listener (link.h), and a lock taken, refused and released in a temporary
 * directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "link.h"
#include "portlock.h"
#include "unit.h"

START_TEST(test_name)
{
	char b[32];

	ck_assert_int_eq(portlock_name("/dev/ttyUSB0", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "LCK..ttyUSB0");
	ck_assert_int_eq(portlock_name("/dev/pts/3", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "LCK..pts_3");
	ck_assert_int_eq(portlock_name("/run/usrbridged/ttyUSR0", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "LCK..run_usrbridged_ttyUSR0");
	ck_assert_int_eq(portlock_name("", b, sizeof(b)), -EINVAL);
	ck_assert_int_eq(portlock_name("/dev/", b, sizeof(b)), -EINVAL);
	ck_assert_int_eq(portlock_name("/dev/a-very-long-device-name-indeed", b, sizeof(b)),
	    -ENAMETOOLONG);
}
END_TEST

START_TEST(test_retry_and_why)
{
	char b[128];

	ck_assert_int_eq(link_listen_retry_ms(1), 1000);
	ck_assert_int_eq(link_listen_retry_ms(2), 2000);
	ck_assert_int_eq(link_listen_retry_ms(4), 8000);
	ck_assert_int_eq(link_listen_retry_ms(100), LINK_LISTEN_RETRY_MAX_MS);
	ck_assert_int_lt(LINK_LISTEN_RETRY_MAX_MS, 15000);	/* the bound */
	link_listen_text("", 8000, b, sizeof(b));
	ck_assert_str_eq(b, "*:8000");
	link_listen_text("::1", 8000, b, sizeof(b));
	ck_assert_str_eq(b, "[::1]:8000");
	link_listen_why("*:8000", -EADDRINUSE, b, sizeof(b));
	ck_assert_str_eq(b, "*:8000 busy (Address already in use)");
	link_listen_why("10.9.9.9:80", -EADDRNOTAVAIL, b, sizeof(b));
	ck_assert_str_eq(b, "10.9.9.9:80 address not on this host (Cannot assign requested address)");
	link_listen_why("*:80", -EACCES, b, sizeof(b));
	ck_assert_str_eq(b, "*:80 not permitted (Permission denied)");
}
END_TEST

START_TEST(test_acquire)
{
	char dir[] = "/tmp/usrb-lockXXXXXX", path[256], buf[64];
	struct portlock a, b;
	pid_t holder = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(portlock_acquire(&a, dir, "/dev/ttyX9", &holder), 0);
	snprintf(path, sizeof(path), "%s/LCK..ttyX9", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_int_eq(atoi(buf), getpid());
	ck_assert_int_eq((int)strlen(buf), 11);		/* HDB: "%10d\n" */
	/* Our own pid: a reopen after a restart. */
	ck_assert_int_eq(portlock_acquire(&b, dir, "/dev/ttyX9", &holder), 0);
	portlock_release(&a);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* A live holder (pid 1) refuses; a dead one is stale. */
	f = fopen(path, "w");
	fprintf(f, "%10d\n", 1);
	fclose(f);
	ck_assert_int_eq(portlock_acquire(&a, dir, "/dev/ttyX9", &holder), -EBUSY);
	ck_assert_int_eq(holder, 1);
	f = fopen(path, "w");
	fprintf(f, "%10d\n", 0x7ffffff0);
	fclose(f);
	ck_assert_int_eq(portlock_acquire(&a, dir, "/dev/ttyX9", &holder), 0);
	portlock_release(&a);
	/* No directory: flock alone, not an error. */
	ck_assert_int_eq(portlock_acquire(&a, "/nonexistent/lock", "/dev/ttyX9", &holder), 0);
	ck_assert_str_eq(a.path, "");
	ck_assert_int_eq(portlock_acquire(&a, "", "/dev/ttyX9", &holder), 0);
	rmdir(dir);
}
END_TEST

Suite *
suite_portlock(void)
{
	Suite *s = suite_create("portlock");
	TCase *tc = tcase_create("portlock");

	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_retry_and_why);
	tcase_add_test(tc, test_acquire);
	suite_add_tcase(s, tc);
	return s;
}
