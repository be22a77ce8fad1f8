/*
 * remote.h: the remote server's own words within a diagnostic.
 */
#ifndef REBOUND_REMOTE_H
#define REBOUND_REMOTE_H

/*
 * The parts of diagnostic that the remote server said, joined by a
 * space, or NULL when no lead marks any.  With smtp_type (a
 * Diagnostic-Code of type smtp) and no lead, the whole diagnostic.
 */
char	*remote_words(const char *diagnostic, int smtp_type);

#endif
