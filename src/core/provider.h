/*
 * provider.h: the provider that answered for a recipient.
 */
#ifndef REBOUND_PROVIDER_H
#define REBOUND_PROVIDER_H

#include <glib.h>

/* The registered domain of the receiving host, or NULL; g_free() it. */
char	*provider_of(const char *remote_mta, const char *diagnostic);
/* Whose hosts receive domain's mail (providers.tab), or NULL. */
const char *provider_of_domain(const char *domain);

#endif
