/*
 * webhook_int.h: what webhook.c, webhook_auth.c, webhook_sns.c and
 * webhook_conn.c share.
 */
#ifndef REBOUND_WEBHOOK_INT_H
#define REBOUND_WEBHOOK_INT_H

#include <event2/event.h>
#include <event2/http.h>

#include <glib.h>

#include "conf.h"
#include "webhook_parse.h"

/* Why a post was refused before anything of it was recorded. */
enum webhook_refusal {
	WEBHOOK_OK,
	WEBHOOK_MALFORMED,	/* 400: not the kind's JSON */
	WEBHOOK_SIGNATURE,	/* 401: signature does not verify */
	WEBHOOK_EXPIRED,	/* 401: signed too long ago (or ahead) */
	WEBHOOK_REPLAYED,	/* 403: a token already used */
	WEBHOOK_CREDENTIALS,	/* 401: wrong HTTP Basic user or password */
	WEBHOOK_TOPIC,		/* 403: an SNS topic not in topic_arn */
	WEBHOOK_CERT_URL,	/* 403: SigningCertURL not https on cert_hosts */
	WEBHOOK_RAW,		/* 403: SES without SNS's envelope */
	WEBHOOK_UNAVAILABLE	/* 503: the certificate could not be had */
};

/* The request headers authentication reads (NULL: absent). */
struct webhook_headers {
	const char	*authorization;		/* HTTP Basic */
	const char	*signature;		/* SendGrid's, and ... */
	const char	*timestamp;		/* ... the time it signed */
};

/* Mailgun's tokens seen within max_age: a replay is refused. */
struct webhook_replay;

struct webhook_replay *webhook_replay_new(void);
void		 webhook_replay_forget(struct webhook_replay *,
		    const char *token);
void		 webhook_replay_free(struct webhook_replay **);

/*
 * Authenticate a post to endpoint w at time now, with its headers; *token_r (owned, or
 * NULL) is the replay token it used, to forget if it is not recorded
 * (so that the service's retry is taken).  *why_r says what failed.
 */
enum webhook_refusal webhook_auth(const struct conf_webhook *w,
		    struct webhook_replay *, const struct webhook_headers *,
		    const char *body, size_t len, gint64 now, char **token_r,
		    char **why_r);

/* webhook_conn.c: each connection's deadline, and their number. */
struct webhook_conns;

/*
 * A connection was answered status before its request was in hand, by
 * webhook_conn.c itself or by evhttp: counted by the listener; why
 * (NULL when only counted) for its log, with the peer's source.
 */
typedef void	 webhook_conns_answered_fn(int status, const char *source,
		    const char *why, void *arg);

struct webhook_conns *webhook_conns_new(struct event_base *, struct evhttp *,
		    const struct conf_http *, webhook_conns_answered_fn *,
		    void *arg);
int		 webhook_conns_in_hand(struct webhook_conns *,
		    struct evhttp_request *);
guint		 webhook_conns_open(struct webhook_conns *);
void		 webhook_conns_free(struct webhook_conns **);

/* webhook_sns.c: SNS's signature, once its certificate is fetched. */
struct webhook_sns_certs;

/* r, why (NULL if r is WEBHOOK_OK), and the message read. */
typedef void	 webhook_sns_done_fn(enum webhook_refusal r, const char *why,
		    const struct webhook_sns *, void *arg);

struct webhook_sns_certs *webhook_sns_certs_new(struct event_base *,
		    GError **);
void		 webhook_sns_certs_free(struct webhook_sns_certs **);
/*
 * Check a post to the ses endpoint w (raw: SNS said it is a raw
 * delivery); done is called once, from the loop or before this returns.
 */
void		 webhook_sns_verify(struct webhook_sns_certs *,
		    const struct conf_webhook *w, const char *body, size_t len,
		    int raw, webhook_sns_done_fn *done, void *arg);
/* A verified SubscriptionConfirmation: confirm it, or log how to. */
void		 webhook_sns_confirm(struct webhook_sns_certs *,
		    const struct conf_webhook *, const struct webhook_sns *);
/* Whether url is https on a host of w's cert_hosts; else *why_r. */
int		 webhook_sns_url_allowed(const struct conf_webhook *w,
		    const char *url, char **why_r);

#endif
