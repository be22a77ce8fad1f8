/*
 * explain.h: what an SMTP reply code or an enhanced status code means
 * (codes.tab), and what rebound makes of it (status.tab, classify.c).
 */
#ifndef REBOUND_EXPLAIN_H
#define REBOUND_EXPLAIN_H

#include "policy.h"
#include "report.h"

/* One line of codes.tab. */
struct explain_code {
	char	*key;		/* the line's code: "X.1.1", "5.7.606", "550" */
	char	*title;		/* a few words */
	char	*source;	/* "RFC 3463" */
	char	*meaning;	/* a sentence or three */
};

/* What rebound makes of a code, alone in a failure report. */
struct explain_verdict {
	const char	*table_reason;	/* status.tab's reason, or NULL */
	int		 weak;		/* status.tab says "weak" */
	int		 by_reply;	/* the reason is the reply code's */
	const char	*reason;	/* what the classifier records */
	enum report_class class;
	int		 hard;
	enum confidence	 confidence;
	char		*decided;	/* its decided_by */
};

/*
 * What the policy in force does with an outcome of a verdict
 * (explain_policy.c): words for a person, naming the keys that decide.
 */
struct explain_policy {
	char	*alone;		/* at the confidence of the code alone */
	char	*at[CONFIDENCE_CERTAIN + 1];	/* a hard one at each
					   confidence it may reach, or NULL */
	char	*guard;		/* a hard one: the incident guard; or NULL */
};

int	 explain_parse(const char *text, char status[STATUS_MAX],
	    int *replycode_r);
struct explain_code *explain_lookup(const char *key);
struct explain_code *explain_status(const char *status);
struct explain_code *explain_reply(int replycode);
struct explain_code *explain_class(const char *status, int replycode);
void	 explain_code_free(struct explain_code **);
char	*explain_brief(const char *status, int replycode);
void	 explain_verdict(const char *status, int replycode,
	    struct explain_verdict *);
void	 explain_verdict_clear(struct explain_verdict *);
const char *explain_text_rule(const struct explain_verdict *);

/* explain_policy.c */
void	 explain_policy(const struct policy *, const char *status,
	    const struct explain_verdict *, struct explain_policy *);
void	 explain_policy_clear(struct explain_policy *);

#endif
