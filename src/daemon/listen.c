/*
 * listen.c: bind the sockets a listen line names: "unix:/path" (a stale
 * socket file of a dead daemon is replaced, a live one is not; mode and
 * group from the configuration say who may connect) or "host:port",
 * "[v6]:port", "*:port" (every address getaddrinfo gives, IPv6 without
 * the IPv4-mapped overlap).  Every error names the listen line.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

/* Sets error to "spec: what: errno's text" and returns 0. */
int
listen_fail(GError **error, const char *spec, const char *what, int err)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
	    "%s: %s: %s", spec, what, g_strerror(err));
	return 0;
}

/*
 * A socket file left by a daemon that died is removed; one that a live
 * server still accepts on is not (connect() tells them apart).
 */
static int
listen_unlink_stale(const struct sockaddr_un *sun, const char *spec,
    GError **error)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? 1 : listen_fail(error, spec, "stat", errno);
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
		    "%s: exists and is not a socket", spec);
		return 0;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return listen_fail(error, spec, "socket", errno);
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
		    "%s: another server is listening there", spec);
		return 0;
	}
	if (err != ECONNREFUSED)
		return listen_fail(error, spec, "connect", err);
	if (unlink(sun->sun_path) != 0 && errno != ENOENT)
		return listen_fail(error, spec, "unlink", errno);
	return 1;
}

/* Mode and group on the socket file are who may deliver. */
static int
listen_socket_owner(const struct conf_lmtp *conf, const char *path,
    const char *spec, GError **error)
{
	struct group *gr;

	if (chmod(path, conf->socket_mode) != 0)
		return listen_fail(error, spec, "chmod", errno);
	if (conf->socket_group == NULL)
		return 1;
	if ((gr = getgrnam(conf->socket_group)) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: no group %s", spec, conf->socket_group);
		return 0;
	}
	if (chown(path, (uid_t)-1, gr->gr_gid) != 0)
		return listen_fail(error, spec, "chgrp", errno);
	return 1;
}

static int
listen_unix(const char *spec, const struct conf_lmtp *conf, listen_fd_fn each,
    void *arg, GError **error)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = spec + strlen("unix:");
	mode_t mask;
	int fd, rc, err;

	if (strlen(path) >= sizeof sun.sun_path)
		return listen_fail(error, spec, "path", ENAMETOOLONG);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (!listen_unlink_stale(&sun, spec, error))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return listen_fail(error, spec, "socket", errno);
	/* Born with no more than socket_mode allows, before the chmod. */
	mask = umask(~conf->socket_mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	err = errno;
	umask(mask);
	if (rc != 0) {
		close(fd);
		return listen_fail(error, spec, "bind", err);
	}
	if (!listen_socket_owner(conf, path, spec, error)) {
		close(fd);
		return 0;
	}
	return each(arg, fd, spec, error);
}

/* "host:port", "[v6]:port"; host "" or "*" is every address. */
static int
listen_split_hostport(const char *spec, char **host_r, char **port_r)
{
	const char *colon, *end;

	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL || end[1] != ':')
			return 0;
		*host_r = g_strndup(spec + 1, end - spec - 1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    memchr(spec, ':', colon - spec) != NULL)
			return 0;	/* a bare IPv6 address needs brackets */
		*host_r = g_strndup(spec, colon - spec);
	}
	if (colon[1] == '\0') {
		g_clear_pointer(host_r, g_free);
		return 0;
	}
	*port_r = g_strdup(colon + 1);
	return 1;
}

static int
listen_addr(const struct addrinfo *ai, const char *spec, listen_fd_fn each,
    void *arg, GError **error)
{
	int fd, on = 1;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) < 0)
		return listen_fail(error, spec, "socket", errno);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* "*:port" binds :: and 0.0.0.0 both: they must not overlap. */
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		return listen_fail(error, spec, "bind", errno);
	}
	return each(arg, fd, spec, error);
}

static int
listen_tcp(const char *spec, listen_fd_fn each, void *arg, GError **error)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE,
	    .ai_socktype = SOCK_STREAM }, *res, *ai;
	g_autofree char *host = NULL, *port = NULL;
	int rc;

	if (!listen_split_hostport(spec, &host, &port)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: neither unix:/path nor host:port", spec);
		return 0;
	}
	rc = getaddrinfo(*host != '\0' && strcmp(host, "*") != 0 ? host : NULL,
	    port, &hints, &res);
	if (rc != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s",
		    spec, gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!listen_addr(ai, spec, each, arg, error))
			break;
	freeaddrinfo(res);
	return ai == NULL;
}

int
listen_open(const char *spec, const struct conf_lmtp *conf, listen_fd_fn each,
    void *arg, GError **error)
{
	if (g_str_has_prefix(spec, "unix:"))
		return listen_unix(spec, conf, each, arg, error);
	return listen_tcp(spec, each, arg, error);
}
