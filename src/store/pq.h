/*
 * pq.h: libpq, loaded when the first postgresql:// store is opened
 * (pq_load()) rather than linked: libpq brings in some twenty
 * libraries (OpenSSL, Kerberos, LDAP, GnuTLS...) whose loading and
 * relocation took most of a "rebound show" on SQLite.  db_pg.c calls
 * libpq through pq, as pq.PQexec(...); the types are libpq-fe.h's own.
 */
#ifndef REBOUND_PQ_H
#define REBOUND_PQ_H

#include <glib.h>
#include <libpq-fe.h>

/* The libpq functions the store calls. */
#define PQ_FUNCTIONS(X) \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdb) \
	X(PQconsumeInput) X(PQenterPipelineMode) X(PQerrorMessage) \
	X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQexitPipelineMode) \
	X(PQfinish) X(PQfname) X(PQfreemem) X(PQgetResult) X(PQgetisnull) \
	X(PQgetvalue) X(PQisBusy) X(PQmakeEmptyPGresult) X(PQnfields) X(PQnotifies) X(PQntuples) \
	X(PQpipelineStatus) X(PQpipelineSync) X(PQprepare) X(PQreset) X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) X(PQsendQuery) X(PQsendQueryParams) X(PQsendQueryPrepared) \
	X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus) X(PQtransactionStatus)

#define PQ_MEMBER(f) __typeof__(f) *f;
struct pq_api {
	PQ_FUNCTIONS(PQ_MEMBER)
};
#undef PQ_MEMBER

extern struct pq_api pq;

gboolean	 pq_load(GError **);

#endif
