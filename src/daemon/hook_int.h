/*
 * hook_int.h: what hook.c shares with the files of each kind
 * (hook_webhook.c, hook_mailman3.c, hook_listmonk.c).  A kind turns
 * one event into one or more HTTP requests and ends the job with
 * hook_finish(), exactly once.  A kind sets the job's action when a 2xx
 * answer means it acted on a list (a member removed or disabled, a
 * bounce posted): max_actions_per_hour counts those.
 */
#ifndef REBOUND_HOOK_INT_H
#define REBOUND_HOOK_INT_H

#include "conf.h"
#include "http.h"

enum hook_result { HOOK_DELIVERED, HOOK_RETRY, HOOK_FAILED };

/* One attempt to deliver one event to one hook. */
struct hook_job {
	struct hooks	*hooks;
	struct hook	*hook;
	const struct conf_hook *conf;	/* as it was when the job began */
	gint64		 event;
	int		 attempts;	/* before this one */
	gint64		 queued;
	char		*type;
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

void	 hook_webhook(struct hook_job *);

/* hook_mailman3.c: its answers read (pure, for tests/test_hook_mailman3) */
char	*hook_mailman3_member_id(const char *body, gsize len);
char	*hook_mailman3_list_id(const char *body, gsize len);

void	 hook_mailman3(struct hook_job *);
void	 hook_listmonk(struct hook_job *);

#endif
