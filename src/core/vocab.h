/*
 * vocab.h: lookups in a table of names indexed by an enum.
 *
 * Each vocabulary (classes and reasons in report.c, address states in
 * policy.c, output formats in output.c) is an enum and one array of its
 * names, [VALUE] = "name"; these read any of them, so that parsing,
 * validation and help text all say the same words.  Booleans are a
 * vocabulary too: every yes/no key of rebound.conf and of --policy reads
 * its value with vocab_bool(), so that each takes the same spellings.
 */
#ifndef REBOUND_VOCAB_H
#define REBOUND_VOCAB_H

#include <glib.h>

/* The index of name in names[0..n), or -1. */
int	 vocab_find(const char *const *names, size_t n, const char *name);
/* "a, b, c or d" (last "or"; NULL: "a, b, c, d"), for a message or help. */
char	*vocab_join(const char *const *names, size_t n, const char *last);

/*
 * A boolean as people write it: yes/no, true/false, on/off, 1/0, in any
 * case, with white space around.  0 and an error listing the spellings
 * if it is none of them.
 */
int	 vocab_bool(const char *value, int *out_r, GError **);
/* The ith spelling and *value_r its truth; NULL after the last. */
const char *vocab_bool_spelling(size_t i, int *value_r);

#endif
