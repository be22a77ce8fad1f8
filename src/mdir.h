/*
 * mdir.h: maildir directories and files, as a delivery agent writes them.
 */
#ifndef REBOUND_MDIR_H
#define REBOUND_MDIR_H

#include <stddef.h>

#include <glib.h>

/* Make base/, base/tmp, base/new and base/cur (mode 0700) where missing. */
int	 mdir_create(const char *base, GError **);

/* fsync a directory, so that the renames in it are on disk. */
int	 mdir_sync(const char *dir, GError **);

/*
 * Deliver bytes to base/new/name: written to tmp/, fsynced, renamed,
 * new/ fsynced.  A file of that name already in new/ is left as it is
 * (the name says what it holds: delivering twice keeps one).
 */
int	 mdir_deliver(const char *base, const char *name, const char *bytes,
	    size_t len, GError **);

#endif
