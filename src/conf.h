/*
 * conf.h: rebound.conf, as GKeyFile INI.
 */
#ifndef REBOUND_CONF_H
#define REBOUND_CONF_H

#include <glib.h>

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
};

void	 conf_defaults(struct conf *);
int	 conf_load(struct conf *, const char *file, GError **);
void	 conf_clear(struct conf *);

#endif
