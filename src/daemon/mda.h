/*
 * mda.h: write maildirs as a mail delivery agent (MDA) does (mda.c).
 */
#ifndef REBOUND_MDA_H
#define REBOUND_MDA_H

#include <stddef.h>

#include <glib.h>

/* Make base/, base/tmp, base/new and base/cur (mode 0700) where missing. */
int	 mda_create(const char *base, GError **);

/* fsync a directory, so that the renames in it are on disk. */
int	 mda_sync(const char *dir, GError **);

/*
 * Deliver bytes to base/new/name: written to tmp/, fsynced, renamed,
 * new/ fsynced.  A file of that name already in new/ is left as it is
 * (the name says what it holds: delivering twice keeps one).
 */
int	 mda_deliver(const char *base, const char *name, const char *bytes,
	    size_t len, GError **);

#endif
