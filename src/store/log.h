/*
 * log.h: where log lines go, with the text from outside in them escaped.
 */
#ifndef REBOUND_LOG_H
#define REBOUND_LOG_H

#include <glib.h>

enum log_to {
	LOG_STDERR,		/* always stderr (foreground, the CLI) */
	LOG_JOURNAL,		/* the journal, stderr if it is not there */
};

void	 log_init(enum log_to);
char	*log_escape(const char *, gssize);

#endif
