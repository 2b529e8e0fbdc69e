/* Group commit (doc/architecture.md, "Durability"): decisions that commit together are made
 * durable by one sync, and no reply leaves before the sync that covers it. */
#ifndef BROKER_AUDIT_DURABLE_H
#define BROKER_AUDIT_DURABLE_H
#include <stdint.h>

struct audit_log;
struct sk_store;

/* At start, before any client: what the syncs cover; starts the flusher thread, which
 * makes commits no reply waits for durable within 100 ms. */
void audit_durable_start(struct audit_log *log, struct sk_store *store);
/* At shutdown, before the log and store close: stops the flusher and makes every commit
 * durable. */
void audit_durable_stop(void);
/* A write transaction committed (the store's committed hook, inside the writer lock). */
void audit_durable_committed(void);
/* Before a reply: returns when every transaction committed so far (this thread's among
 * them) is durable — audit log fdatasync'ed, anchor rewritten, store commit durable
 * (store_durable_sync) — syncing them itself when no other thread is doing so, else
 * waiting for that thread. SK_ERR_AUDIT when a sync failed (then every later call fails too,
 * and the log refuses every record until restart): the reply must not be sent. */
int audit_durable_wait(void);
/* Syncs made, and write transactions committed, since start (STATUS: durable_syncs,
 * durable_commits). */
void audit_durable_counts(uint64_t *syncs, uint64_t *commits);

#endif
