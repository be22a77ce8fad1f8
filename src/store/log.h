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
int	 log_debugging(void);

/*
 * g_debug() for the lines of every message (LMTP's state changes): GLib
 * formats a line before any writer can drop it, so without
 * G_MESSAGES_DEBUG the line is not made at all.
 */
#define log_debug(...) do {						\
	if (log_debugging())						\
		g_debug(__VA_ARGS__);					\
} while (0)

#endif
