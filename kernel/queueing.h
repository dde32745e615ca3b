/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parallel crypto with ordered completion, after WireGuard's queueing:
 * each packet goes on its SA's ordered queue (arrival order) and on one
 * module-wide ring that per-CPU workers drain, so the packets of a single
 * SA are encrypted or decrypted on every CPU at once.  When a packet's
 * crypto finishes it is marked done; the SA's serial worker then takes
 * packets off the head of the ordered queue while they are done, so
 * packets leave (or are delivered) in the order they came.
 */
#ifndef _EVS_QUEUEING_H
#define _EVS_QUEUEING_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct evs_qpkt;

/* The per-SA ordered queue. */
struct evs_pq {
	spinlock_t lock;		/* guards list and len */
	struct list_head list;		/* evs_qpkt.node, arrival order */
	unsigned int len;
	struct work_struct work;	/* the serial stage */
	/* Crypto for one packet: returns 0, an error, or -EINPROGRESS when
	 * the completion will call evs_queue_crypt_done.
	 */
	int (*crypt)(struct evs_qpkt *p);
	/* Serial stage for one packet (BH off, RCU held): output or
	 * delivery; consumes the packet.
	 */
	void (*finish)(struct evs_qpkt *p, int err);
};

/* Embedded in the per-packet state (esp.c's evs_esp_pkt). */
struct evs_qpkt {
	struct list_head node;
	struct evs_pq *q;
	int err;
	atomic_t done;
};

void evs_pq_init(struct evs_pq *q, int (*crypt)(struct evs_qpkt *),
		 void (*finish)(struct evs_qpkt *, int));
/* Wait for the serial stage; the queue must be empty (every packet holds
 * a reference on the SA, so it is when the SA is freed).
 */
void evs_pq_destroy(struct evs_pq *q);
/* Queue @p for parallel crypto.  False when the queues are full or
 * parallel crypto is off: then the caller does the crypto itself.
 */
bool evs_queue_submit(struct evs_pq *q, struct evs_qpkt *p);
/* Crypto for @p finished (any context). */
void evs_queue_crypt_done(struct evs_qpkt *p, int err);

int evs_queue_init(void);
void evs_queue_exit(void);

#endif /* _EVS_QUEUEING_H */
