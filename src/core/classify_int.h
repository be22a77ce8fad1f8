/*
 * classify_int.h: what classify.c takes from classify_prose.c, and
 * nothing outside them sees.
 */
#ifndef REBOUND_CLASSIFY_INT_H
#define REBOUND_CLASSIFY_INT_H

#include "report.h"

/* classify_prose.c */
char	*classify_clean(const char *diag, int first_code);
char	*classify_report_prose(const struct report *, char **subject_r);

#endif
