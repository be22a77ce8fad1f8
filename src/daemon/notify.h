/*
 * notify.h: the systemd service protocol, without libsystemd.
 */
#ifndef REBOUND_NOTIFY_H
#define REBOUND_NOTIFY_H

#include <glib.h>

void	 notify_send(const char *state);
gint64	 notify_watchdog_usec(void);
int	 notify_listen_fds(void);

#define NOTIFY_FIRST_FD	3	/* SD_LISTEN_FDS_START */

#endif
