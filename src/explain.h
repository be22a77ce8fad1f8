/*
 * explain.h: what an SMTP reply code or an enhanced status code means
 * (codes.tab), and what rebound makes of it (status.tab, classify.c).
 */
#ifndef REBOUND_EXPLAIN_H
#define REBOUND_EXPLAIN_H

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
	char		*decided;	/* its decided_by */
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
const char *explain_class_words(enum report_class);

#endif
