/*
 * hook_int.h: what hook.c shares with the files of each kind
 * (hook_webhook.c, hook_mailman3.c, hook_listmonk.c), each of which
 * exports one struct hook_backend.  A kind turns
 * one event into one or more HTTP requests and ends the job with
 * hook_finish(), exactly once.  A kind sets the job's action when a 2xx
 * answer means it acted on a list (a member removed or disabled, a
 * bounce posted): max_actions_per_hour counts those.
 */
#ifndef REBOUND_HOOK_INT_H
#define REBOUND_HOOK_INT_H

#include "conf.h"
#include "http.h"
#include "revent.h"

enum hook_result { HOOK_DELIVERED, HOOK_RETRY, HOOK_FAILED };

/* One attempt to deliver one event to one hook. */
struct hook_job {
	struct hooks	*hooks;
	struct hook	*hook;
	const struct conf_hook *conf;	/* as it was when the job began */
	gint64		 event;
	int		 attempts;	/* before this one */
	gint64		 queued;
	gint64		 lease;		/* its next_try as given: the lease */
	char		*type;
	int		 known;		/* type is one of revent_type */
	enum revent_type revent_type;	/* if known */
	char		*address;
	char		*list;
	GString		*json;		/* revent_json() */
	int		 action;	/* delivered, it acted on a list */
	/* Once finished, until recorded (hook.c). */
	int		 finished;
	enum hook_result result;
	char		*why;
	gint64		 next_try;
	gint64		 acted;		/* when it acted, or 0 */
};

void	 hook_request(struct hook_job *, const char *method, const char *url,
	    const char *content_type, const char *body,
	    const char *const *headers, http_done_fn *);
void	 hook_finish(struct hook_job *, enum hook_result, const char *why);
int	 hook_answer(struct hook_job *, const struct http_response *,
	    const char *what);
char	*hook_url(const struct hook_job *, const char *path);
int	 hook_acts(const struct hook_job *);

/*
 * One kind of hook as reboundd delivers it, exported by its file: deliver
 * turns job j's event into requests and ends j with hook_finish().  Its
 * name, default types and needs are conf_hook.c's, which the rebound
 * command reads without linking delivery; hook.c lists the kinds.
 */
struct hook_backend {
	enum conf_hook_kind kind;
	void		(*deliver)(struct hook_job *);
};

/* hook_webhook.c */
extern const struct hook_backend hook_webhook_backend;
/* hook_mailman3.c; its answers read (pure, for tests/test_hook_mailman3) */
extern const struct hook_backend hook_mailman3_backend;
char	*hook_mailman3_member_id(const char *body, gsize len);
char	*hook_mailman3_list_id(const char *body, gsize len);
/* hook_listmonk.c */
extern const struct hook_backend hook_listmonk_backend;

#endif
