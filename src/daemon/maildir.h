/*
 * maildir.h: bounces delivered into a maildir.
 */
#ifndef REBOUND_MAILDIR_H
#define REBOUND_MAILDIR_H

#include <event2/event.h>

#include <glib.h>

#include "conf.h"
#include "intake.h"

struct maildir;

struct maildir	*maildir_new(struct event_base *, struct intake *,
		    const struct conf_maildir *, GError **);
void		 maildir_stop(struct maildir *);
guint		 maildir_pending(struct maildir *);
void		 maildir_free(struct maildir **);

#endif
