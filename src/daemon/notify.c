/*
 * notify.c: tell systemd how reboundd is doing, and take the sockets it
 * opened for us (socket activation), as sd_notify(3) and
 * sd_listen_fds(3) describe: a datagram of "KEY=VALUE" lines to the unix
 * socket in $NOTIFY_SOCKET, and descriptors from 3 on, $LISTEN_FDS of
 * them, when $LISTEN_PID is ours.  Outside systemd, all of it does
 * nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

/* Send state ("READY=1", "STATUS=...") to the service manager, if any. */
void
notify_send(const char *state)
{
	const char *path = g_getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path)
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';	/* an abstract socket */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) < 0)
		g_warning("notify: %s: %s", path, g_strerror(errno));
	close(fd);
}

/* How often systemd wants WATCHDOG=1, in microseconds, or 0. */
gint64
notify_watchdog_usec(void)
{
	const char *usec = g_getenv("WATCHDOG_USEC");
	const char *pid = g_getenv("WATCHDOG_PID");

	if (usec == NULL || (pid != NULL && atol(pid) != (long)getpid()))
		return 0;
	return g_ascii_strtoll(usec, NULL, 10);
}

/*
 * How many listening sockets systemd passed (from NOTIFY_FIRST_FD on),
 * made close-on-exec; the variables are removed so that nothing started
 * later takes them for its own.
 */
int
notify_listen_fds(void)
{
	const char *pid = g_getenv("LISTEN_PID");
	const char *fds = g_getenv("LISTEN_FDS");
	int n, fd;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return 0;
	n = atoi(fds);
	g_unsetenv("LISTEN_PID");
	g_unsetenv("LISTEN_FDS");
	g_unsetenv("LISTEN_FDNAMES");
	for (fd = NOTIFY_FIRST_FD; fd < NOTIFY_FIRST_FD + n; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return n > 0 ? n : 0;
}
