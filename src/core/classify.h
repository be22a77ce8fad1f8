/*
 * classify.h: reason, hard/soft, class and the deciding evidence for
 * each recipient of a parsed report.  The class is decided here once;
 * the store, intake and the CLI read recipient->class.
 */
#ifndef REBOUND_CLASSIFY_H
#define REBOUND_CLASSIFY_H

#include "report.h"

void	 classify_report(struct report *);
int	 classify_is_hard(enum report_reason, const char *status,
	    int replycode, const char *action);
const char *classify_status(const char *status, int replycode, int *weak_r);
int	 classify_may_be_certain(const char *status);

#endif
