/*
 * conf.h: rebound.conf, as GKeyFile INI.
 */
#ifndef REBOUND_CONF_H
#define REBOUND_CONF_H

#include <glib.h>

#include "parse.h"
#include "policy.h"
#include "verp.h"

#define CONF_DB_DEFAULT	"/var/lib/rebound/rebound.db"

struct conf {
	char		*file;		/* where it was read from, or NULL */
	char		*db_path;	/* [store] path */
	int		 sync_full;	/* [store] synchronous = full|normal */
	int		 busy_timeout;	/* [store] busy_timeout, milliseconds */
	int		 batch;		/* [store] batch, messages per commit */
	struct policy	 policy;
	struct verp	 verp;
	struct parse_limits limits;	/* [limits] */
	int		 event_delay;	/* [events] delay, seconds; -1: unset */

	/* The daemon (reboundd). */
	char		*maildir;	/* [maildir] path, or NULL */
	int		 maildir_delete; /* [maildir] done = delete */
	char		*maildir_done;	/* [maildir] done = FOLDER (NULL: cur) */
	char		*maildir_other;	/* [maildir] other: folder for non-bounces */
	int		 maildir_max_size; /* [maildir] max_message_size, bytes */
	char		**listen;	/* [lmtp] listen: unix:/path, host:port */
	int		 socket_mode;	/* [lmtp] socket_mode */
	char		*socket_group;	/* [lmtp] socket_group, or NULL */
	int		 max_sessions;	/* [lmtp] max_sessions */
	int		 max_size;	/* [lmtp] max_message_size, bytes */
	int		 idle_timeout;	/* [lmtp] idle_timeout, seconds */
	int		 reply_timeout;	/* [lmtp] reply_timeout, seconds */
	int		 data_timeout;	/* [lmtp] data_timeout, seconds */
	guint64		 max_buffered;	/* [lmtp] max_buffered, bytes, all sessions */
	char		*lmtp_other;	/* [lmtp] other: maildir for non-bounces */
	int		 intake_batch;	/* [intake] batch, messages */
	int		 intake_delay;	/* [intake] delay, milliseconds */
	int		 intake_by_date; /* [intake] dating = date: outcomes
					   dated by the bounce (a replay) */
	char		*metrics;	/* [metrics] listen: port or host:port */
	char		*user;		/* [daemon] user: run as, after binding */
};

void	 conf_defaults(struct conf *);
int	 conf_load(struct conf *, const char *file, GError **);
int	 conf_load_data(struct conf *, const char *file, const char *text,
	    gsize len, GError **);
void	 conf_clear(struct conf *);
gint64	 conf_event_delay(const struct conf *);

#endif
