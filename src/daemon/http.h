/*
 * http.h: HTTP and HTTPS requests, and SMTP submissions, from the event
 * loop (libcurl's multi interface driven by libevent): no call blocks,
 * no thread per request.
 */
#ifndef REBOUND_HTTP_H
#define REBOUND_HTTP_H

#include <event2/event.h>

#include <glib.h>

struct http_request {
	const char	*method;	/* GET, POST, PATCH, DELETE */
	const char	*url;
	const char	*body;		/* or NULL */
	const char	*content_type;	/* of body */
	const char *const *headers;	/* "Name: value", NULL-ended, or NULL */
	const char	*user;		/* HTTP Basic, or NULL */
	const char	*password;
	int		 connect_timeout;	/* seconds */
	int		 timeout;		/* seconds, the whole request */
	int		 https_only;	/* refuse http:// */
	const char	*ca_file;	/* the CAs trusted instead of the
					   system's, or NULL */
};

struct http_response {
	long		 status;	/* 0: no answer (see error) */
	const char	*error;		/* why there was no answer, or NULL */
	const char	*body;		/* NUL-terminated, at most 64 KiB kept */
	gsize		 len;
};

/* One message to one recipient through an SMTP relay (the probes). */
struct http_mail {
	const char	*url;		/* smtp://host:port, smtps://... */
	const char	*user;		/* AUTH, or NULL */
	const char	*password;
	const char	*from;		/* MAIL FROM, the return path */
	const char	*to;		/* RCPT TO */
	const char	*data;		/* the message, CRLF lines */
	int		 connect_timeout;	/* seconds */
	int		 timeout;		/* seconds, the whole transaction */
};

typedef void	 http_done_fn(const struct http_response *, void *arg);

struct http;

void		 http_global_init(void);
void		 http_global_cleanup(void);
struct http	*http_new(struct event_base *, GError **);
void		 http_send(struct http *, const struct http_request *,
		    http_done_fn *, void *arg);
void		 http_send_mail(struct http *, const struct http_mail *,
		    http_done_fn *, void *arg);
void		 http_free(struct http **);

#endif
