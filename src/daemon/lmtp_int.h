/*
 * lmtp_int.h: what the files of the LMTP server share, and nothing
 * outside them sees, grouped by the file that defines it, from the
 * bottom up: lmtp_session.c (a session's state, transaction, teardown
 * and replies), lmtp_command.c (the commands of its state machine),
 * lmtp_data.c (the message text and its commit); lmtp.c, on top, owns
 * the listeners and feeds each session its input.
 */
#ifndef REBOUND_LMTP_INT_H
#define REBOUND_LMTP_INT_H

#include <glib.h>

#include <event2/event.h>

#include "conf.h"
#include "intake.h"

#define LMTP_LINE_MAX	2000		/* a command line, without its CRLF */
#define LMTP_CHUNK	65536		/* DATA: longer lines are taken in pieces */
#define LMTP_INPUT_MAX	(256 * 1024)	/* read no further ahead than this */
#define LMTP_OUTPUT_MAX	65536		/* answer no more until the client reads */
#define LMTP_RCPT_MAX	1000		/* recipients in one transaction */
#define LMTP_BACKLOG	128
#define LMTP_PAUSE	1		/* seconds without accept() after EMFILE */
#define LMTP_SOURCE	"lmtp"		/* what intake calls our messages */

enum lmtp_state {
	LMTP_CONNECTED,		/* greeted, waiting for LHLO */
	LMTP_READY,		/* LHLO done, waiting for MAIL */
	LMTP_MAIL,		/* sender given, waiting for RCPT */
	LMTP_RCPT,		/* one recipient or more accepted */
	LMTP_DATA,		/* reading the message text */
	LMTP_COMMIT,		/* submitted, waiting for intake's commit */
	LMTP_LATE,		/* COMMIT past reply_timeout: 451 sent, closing */
	LMTP_CLOSING,		/* writing the last reply, then close */
	LMTP_GONE		/* client gone in COMMIT or LATE: the callback frees */
};

enum lmtp_reply {
	LMTP_R_GREETING,
	LMTP_R_LHLO,
	LMTP_R_OK,
	LMTP_R_SENDER,
	LMTP_R_RCPT,
	LMTP_R_DATA,
	LMTP_R_RECORDED,
	LMTP_R_STORAGE,
	LMTP_R_BYE,
	LMTP_R_VRFY,
	LMTP_R_HELO,
	LMTP_R_UNKNOWN,
	LMTP_R_TOOLONG,
	LMTP_R_NEED_LHLO,
	LMTP_R_NEED_MAIL,
	LMTP_R_NESTED,
	LMTP_R_NO_RCPT,
	LMTP_R_ARGS,
	LMTP_R_BAD_SENDER,
	LMTP_R_BAD_RCPT,
	LMTP_R_PARAM,
	LMTP_R_TOOBIG,
	LMTP_R_RCPT_MAX,
	LMTP_R_SHUTDOWN,
	LMTP_R_BUSY,
	LMTP_R_IDLE,
	LMTP_R_LATE,
	LMTP_R_NOMEM,
	LMTP_R_DATA_SLOW
};

/* One transaction: from MAIL to the replies after the final dot. */
struct lmtp_tx {
	char		*from;
	GPtrArray	*rcpts;		/* of char *, the accepted addresses */
	GString		*text;		/* unstuffed, LF line ends; NULL if not kept */
	size_t		 size;		/* bytes of text, counted past the limit */
	guint64		 size_hint;	/* MAIL FROM SIZE=, or 0 */
	int		 midline;	/* DATA: inside a line taken in pieces */
	guint64		 nomem;		/* text dropped at this many bytes buffered */
};

struct lmtp_session {
	struct lmtp	*lmtp;		/* NULL once detached (GONE) */
	char		 name[24];	/* "lmtp#42", in every log line */
	struct bufferevent *bev;
	enum lmtp_state	 state;
	int		 discard;	/* skipping an over-long command line */
	struct event	*late;		/* COMMIT: the reply_timeout */
	int		 late_sent;	/* 451 sent on it, before the commit */
	struct event	*data_deadline;	/* DATA: the data_timeout */
	struct lmtp_tx	 tx;
};

struct lmtp {
	struct event_base *base;
	struct intake	*intake;
	const gsize	*held;		/* intake's count of our bytes, or NULL */
	const struct conf_lmtp *conf;
	char		*other;		/* maildir for mail that is not a bounce */
	GPtrArray	*listeners;	/* of struct evconnlistener * */
	GHashTable	*sessions;	/* set of struct lmtp_session * */
	struct event	*resume;	/* accept again after an accept error */
	size_t		 receiving;	/* bytes of text kept by sessions in DATA */
	guint		 next_id;
	int		 stopped;
};

/* lmtp_session.c */
const char	*lmtp_state_name(enum lmtp_state);
void		 lmtp_enter_state(struct lmtp_session *, enum lmtp_state);
int		 lmtp_committing(const struct lmtp_session *);
guint64		 lmtp_held(struct lmtp *);
guint64		 lmtp_size_limit(const struct lmtp *);
void		 lmtp_session_free(struct lmtp_session *);
void		 lmtp_session_closing(struct lmtp_session *);
int		 lmtp_reply_code(enum lmtp_reply);
void		 lmtp_reply(struct lmtp_session *, enum lmtp_reply,
		    const char *arg);
void		 lmtp_reply_lhlo(struct lmtp_session *);
void		 lmtp_tx_drop(struct lmtp_session *);
void		 lmtp_tx_reset(struct lmtp_session *);

/* lmtp_command.c */
size_t		 lmtp_line_input(struct lmtp_session *, const char *buf,
		    size_t len);

/* lmtp_data.c */
void		 lmtp_late_cb(evutil_socket_t, short, void *);
void		 lmtp_data_timeout_cb(evutil_socket_t, short, void *);
size_t		 lmtp_data_input(struct lmtp_session *, const char *buf,
		    size_t len);

#endif
