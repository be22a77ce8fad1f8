/*
 * classify.h: reason, hard/soft and the deciding evidence for each
 * recipient of a parsed report.
 */
#ifndef REBOUND_CLASSIFY_H
#define REBOUND_CLASSIFY_H

#include "report.h"

void	 classify_init(void);
void	 classify_shutdown(void);
void	 classify_report(struct report *);
int	 classify_is_hard(const char *reason, const char *status,
	    int replycode, const char *action);
const char *classify_status(const char *status, int replycode, int *weak_r);
const char *classify_class(enum report_kind, const struct recipient *);

#endif
