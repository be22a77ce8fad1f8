/*
 * listen.h: listening sockets named as the configuration names them.
 */
#ifndef REBOUND_LISTEN_H
#define REBOUND_LISTEN_H

#include <glib.h>

#include "conf.h"

/* Called with each bound socket (not yet listening); takes the fd. */
typedef int	(*listen_fd_fn)(void *arg, int fd, const char *spec,
		    GError **error);

int	 listen_fail(GError **, const char *spec, const char *what, int err);
int	 listen_open(const char *spec, const struct conf_lmtp *, listen_fd_fn,
	    void *arg, GError **);

#endif
