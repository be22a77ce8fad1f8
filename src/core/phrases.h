/*
 * phrases.h: the phrase tables (phrases.tab, compiled at build time).
 */
#ifndef REBOUND_PHRASES_H
#define REBOUND_PHRASES_H

#include <stddef.h>

/* Called where a phrase ends: end is the offset just past it. */
typedef int	(*phrases_each_fn)(void *arg, const char *label,
		    const char *phrase, size_t end);

const char	*phrases_find(const char *section, const char *text,
		    const char **phrase_r);
void		 phrases_each(const char *section, const char *text,
		    phrases_each_fn each, void *arg);
/* Each label of section's phrases, once per phrase, in file order. */
void		 phrases_labels(const char *section,
		    void (*fn)(void *arg, const char *label), void *arg);

#endif
