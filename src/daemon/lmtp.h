/*
 * lmtp.h: returned mail delivered over LMTP (RFC 2033), on unix sockets
 * and TCP, acknowledged per recipient only once intake has committed it.
 */
#ifndef REBOUND_LMTP_H
#define REBOUND_LMTP_H

#include <event2/event.h>

#include <glib.h>

#include "conf.h"
#include "intake.h"

struct lmtp;

/*
 * Listen on every conf->listen spec: "unix:/path" (a stale socket is
 * removed first; mode conf->socket_mode, group conf->socket_group) or
 * "host:port" ("127.0.0.1:2424", "[::1]:2424", "*:2424").  The error
 * names the spec that failed.  conf must outlive the struct lmtp, and
 * the process must ignore SIGPIPE (a client may vanish before a reply).
 */
struct lmtp	*lmtp_new(struct event_base *, struct intake *,
		    const struct conf_lmtp *, GError **);

/* Accept on an fd already bound and listening (socket activation). */
int		 lmtp_adopt(struct lmtp *, int fd, GError **);
void		 lmtp_set_intake(struct lmtp *, struct intake *);

/* Serve a client already connected on fd (a socketpair's end); takes fd. */
void		 lmtp_serve(struct lmtp *, evutil_socket_t fd);

/*
 * Stop accepting.  An open session answers "421 4.3.2" to its next
 * command; one waiting for a commit still gets its replies first.
 */
void		 lmtp_stop(struct lmtp *);

/* Sessions with a client still connected. */
guint		 lmtp_sessions(struct lmtp *);

/*
 * Bytes of messages held in memory for LMTP, bounded by [lmtp]
 * max_buffered: the text of messages in DATA, and what was handed to
 * intake and is not parsed yet.
 */
guint64		 lmtp_buffered(struct lmtp *);

/*
 * Close the listeners and every session.  A session whose message is
 * still waiting for its commit lives on, detached, until intake calls
 * it back (intake_flush() or intake_free() does, at the latest).
 */
void		 lmtp_free(struct lmtp **);

#endif
