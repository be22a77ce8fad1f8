/*
 * phrases.h: the phrase tables (phrases.tab, embedded at build time).
 */
#ifndef REBOUND_PHRASES_H
#define REBOUND_PHRASES_H

void		 phrases_init(void);
void		 phrases_shutdown(void);
const char	*phrases_find(const char *section, const char *text,
		    const char **phrase_r);

#endif
