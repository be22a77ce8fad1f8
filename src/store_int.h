/*
 * store_int.h: what the store's own files (store_*.c) share with
 * store.c: the database handle and its error.  Nothing outside the
 * store module includes this.
 */
#ifndef REBOUND_STORE_INT_H
#define REBOUND_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3	*store_sqlite(struct store *);
int	 store_fail(struct store *, GError **, const char *what);

#endif
