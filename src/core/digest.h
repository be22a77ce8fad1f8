/*
 * digest.h: a message's name, the SHA-256 of its bytes in hex: the
 * store keeps a message once by it, and events carry it.
 */
#ifndef REBOUND_DIGEST_H
#define REBOUND_DIGEST_H

#include <stddef.h>

/* 64 hex digits and a NUL. */
#define DIGEST_SIZE	65

void	digest_message(const char *buf, size_t len, char out[DIGEST_SIZE]);

#endif
