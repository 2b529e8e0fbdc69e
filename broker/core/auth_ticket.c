/* The ticket table of auth_ticket.h: one per broker process, under one lock. */
#include "auth_ticket.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "sk_err.h"
#include "sk_log.h"

struct auth_ticket {
	int used;
	int acct_passed;
	unsigned char hash[SHA256_DIGEST_LENGTH];
	struct auth_ticket_view v;
};

static struct auth_ticket tickets[AUTH_TICKETS_MAX];
static pthread_mutex_t tickets_lock = PTHREAD_MUTEX_INITIALIZER;

static void
drop(struct auth_ticket *t)
{
	explicit_bzero(t, sizeof(*t));
}

/* Under the lock: a free slot, after dropping the expired; else the oldest is given up (its
 * login is then refused at ACCT, never let through). */
static struct auth_ticket *
free_slot(int64_t now)
{
	struct auth_ticket *oldest = NULL;

	for (size_t i = 0; i < AUTH_TICKETS_MAX; i++)
		if (tickets[i].used && now - tickets[i].v.issued > AUTH_TICKET_TTL)
			drop(&tickets[i]);
	for (size_t i = 0; i < AUTH_TICKETS_MAX; i++) {
		if (!tickets[i].used)
			return &tickets[i];
		if (oldest == NULL || tickets[i].v.issued < oldest->v.issued)
			oldest = &tickets[i];
	}
	sk_logwarn("%d authentication tickets live: the oldest (%s) is dropped", AUTH_TICKETS_MAX,
	           oldest->v.user);
	drop(oldest);
	return oldest;
}

int
auth_ticket_issue(const char *user, const char *service, unsigned classes, int64_t now,
                  unsigned char token[AUTH_TICKET_LEN])
{
	struct auth_ticket *t;

	if (strlen(user) >= SK_USER_MAX || strlen(service) >= SK_NAME_MAX)
		return SK_ERR_RANGE;
	if (RAND_bytes(token, AUTH_TICKET_LEN) != 1) {
		sk_logerr("no random bytes for an authentication ticket");
		return SK_ERR_CRYPTO;
	}
	pthread_mutex_lock(&tickets_lock);
	t = free_slot(now);
	memset(t, 0, sizeof(*t));
	t->used = 1;
	SHA256(token, AUTH_TICKET_LEN, t->hash);
	snprintf(t->v.user, sizeof(t->v.user), "%s", user);
	snprintf(t->v.service, sizeof(t->v.service), "%s", service);
	t->v.classes = classes;
	t->v.issued = now;
	pthread_mutex_unlock(&tickets_lock);
	return SK_OK;
}

/* Under the lock: the live ticket for token, user and service, or NULL. Every slot is
 * compared, so the time taken does not say where a match was. */
static struct auth_ticket *
find(const unsigned char token[AUTH_TICKET_LEN], const char *user, const char *service,
     int64_t now)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];
	struct auth_ticket *found = NULL;

	SHA256(token, AUTH_TICKET_LEN, hash);
	for (size_t i = 0; i < AUTH_TICKETS_MAX; i++)
		if (tickets[i].used && CRYPTO_memcmp(tickets[i].hash, hash, sizeof(hash)) == 0)
			found = &tickets[i];
	explicit_bzero(hash, sizeof(hash));
	if (found == NULL)
		return NULL;
	if (now - found->v.issued > AUTH_TICKET_TTL || now < found->v.issued) {
		drop(found);
		return NULL;
	}
	if (strcmp(found->v.user, user) != 0 || strcmp(found->v.service, service) != 0)
		return NULL;
	return found;
}

int
auth_ticket_use_acct(const unsigned char token[AUTH_TICKET_LEN], const char *user,
                     const char *service, int64_t now, struct auth_ticket_view *out)
{
	struct auth_ticket *t;
	int r = SK_ERR_NOTFOUND;

	pthread_mutex_lock(&tickets_lock);
	if ((t = find(token, user, service, now)) != NULL && !t->acct_passed) {
		t->acct_passed = 1;
		*out = t->v;
		r = SK_OK;
	}
	pthread_mutex_unlock(&tickets_lock);
	return r;
}

void
auth_ticket_note_grant(const unsigned char token[AUTH_TICKET_LEN], uint64_t grant_id,
                       const char *role, int64_t ends_at)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];

	SHA256(token, AUTH_TICKET_LEN, hash);
	pthread_mutex_lock(&tickets_lock);
	for (size_t i = 0; i < AUTH_TICKETS_MAX; i++)
		if (tickets[i].used && CRYPTO_memcmp(tickets[i].hash, hash, sizeof(hash)) == 0) {
			tickets[i].v.grant_id = grant_id;
			snprintf(tickets[i].v.role, sizeof(tickets[i].v.role), "%s", role);
			tickets[i].v.ends_at = ends_at;
		}
	pthread_mutex_unlock(&tickets_lock);
	explicit_bzero(hash, sizeof(hash));
}

int
auth_ticket_take_session(const unsigned char token[AUTH_TICKET_LEN], const char *user,
                         const char *service, int64_t now, struct auth_ticket_view *out)
{
	struct auth_ticket *t;
	int r = SK_ERR_NOTFOUND;

	pthread_mutex_lock(&tickets_lock);
	if ((t = find(token, user, service, now)) != NULL && t->acct_passed) {
		*out = t->v;
		drop(t);
		r = SK_OK;
	}
	pthread_mutex_unlock(&tickets_lock);
	return r;
}

void
auth_ticket_clear(void)
{
	pthread_mutex_lock(&tickets_lock);
	for (size_t i = 0; i < AUTH_TICKETS_MAX; i++)
		drop(&tickets[i]);
	pthread_mutex_unlock(&tickets_lock);
}
