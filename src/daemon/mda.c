/*
 * mda.c: write maildirs as a mail delivery agent (MDA) does, for the
 * folders reboundd files messages into (a file appears in new/ whole,
 * by rename, and is on disk before anyone is told it is there).
 * maildir.c is the other side: the source that reads a maildir's new/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "mda.h"

static int
mda_fail(GError **error, const char *path, const char *what)
{
	int err = errno;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
	    "%s: %s%s%s", path, what ? what : "", what ? ": " : "",
	    g_strerror(err));
	return 0;
}

int
mda_create(const char *base, GError **error)
{
	static const char *subdirs[] = { "", "tmp", "new", "cur" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(subdirs); i++) {
		g_autofree char *dir = g_build_filename(base, subdirs[i], NULL);

		if (g_mkdir_with_parents(dir, 0700) != 0)
			return mda_fail(error, dir, NULL);
	}
	return 1;
}

int
mda_sync(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return mda_fail(error, dir, NULL);
	ok = fsync(fd) == 0 || mda_fail(error, dir, "fsync");
	close(fd);
	return ok;
}

static int
mda_write(int fd, const char *bytes, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, bytes, len)) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		bytes += n;
		len -= (size_t)n;
	}
	return fsync(fd) == 0;
}

int
mda_deliver(const char *base, const char *name, const char *bytes,
    size_t len, GError **error)
{
	g_autofree char *tmp = g_build_filename(base, "tmp", name, NULL);
	g_autofree char *new = g_build_filename(base, "new", name, NULL);
	g_autofree char *new_dir = g_build_filename(base, "new", NULL);
	int fd, ok;

	if (g_file_test(new, G_FILE_TEST_EXISTS))
		return 1;
	if (!mda_create(base, error))
		return 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return mda_fail(error, tmp, NULL);
	ok = mda_write(fd, bytes, len) || mda_fail(error, tmp, "write");
	if (close(fd) != 0 && ok)
		ok = mda_fail(error, tmp, "close");
	if (ok && rename(tmp, new) != 0)
		ok = mda_fail(error, new, "rename");
	if (!ok) {
		unlink(tmp);
		return 0;
	}
	return mda_sync(new_dir, error);
}
