/*
 * mbox.h: split an mbox file into its messages.
 */
#ifndef REBOUND_MBOX_H
#define REBOUND_MBOX_H

#include <stddef.h>

#include <glib.h>

struct mbox_span {
	size_t	 offset;
	size_t	 length;
};

GArray	*mbox_split(const char *buf, size_t len);

#endif
