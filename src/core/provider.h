/*
 * provider.h: the provider that answered for a recipient.
 */
#ifndef REBOUND_PROVIDER_H
#define REBOUND_PROVIDER_H

#include <glib.h>

/* The registered domain of the receiving host, or NULL; g_free() it. */
char	*provider_of(const char *remote_mta, const char *diagnostic);
/*
 * Whose hosts receive domain's mail (the site's table, then
 * providers.tab), or NULL.
 */
const char *provider_of_domain(const char *domain);

/* A file of providers.tab's format, or NULL; g_hash_table_unref() it. */
GHashTable *provider_load(const char *file, GError **);
/* The site's table (from provider_load(), or NULL for none) from now on. */
void	 provider_use(GHashTable *);

#endif
