/*
 * digest.c: the SHA-256 of a message's bytes, in lower-case hex (GLib's
 * GChecksum): the same bytes, from any source, give the same name.
 */
#include "config.h"

#include <glib.h>

#include "digest.h"

void
digest_message(const char *buf, size_t len, char out[DIGEST_SIZE])
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

	g_checksum_update(sum, (const guchar *)buf, len);
	g_strlcpy(out, g_checksum_get_string(sum), DIGEST_SIZE);
	g_checksum_free(sum);
}
