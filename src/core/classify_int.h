/*
 * classify_int.h: what classify.c takes from classify_prose.c and from
 * status.tab's table, and nothing outside them (and their tests) sees.
 */
#ifndef REBOUND_CLASSIFY_INT_H
#define REBOUND_CLASSIFY_INT_H

#include <stddef.h>

#include "report.h"

/* status_tab.c, made from status.tab by status2c.awk: sorted by code. */
struct classify_code {
	const char		*code;	/* "5.1.1", "X.1.1", "550", a category */
	enum report_reason	 reason;
	int			 weak;	/* the words may overrule it */
};
extern const struct classify_code classify_codes[];
extern const size_t classify_ncodes;

/* classify_prose.c */
char	*classify_clean(const char *diag, int first_code);
char	*classify_report_prose(const struct report *, char **subject_r);

#endif
