// SPDX-License-Identifier: GPL-2.0
/*
 * evs_cryptbound: the crypto bound of scripts/bench-dataplane.  Not part
 * of evs.ko and never installed: the bench builds it, loads it in the VM
 * it measures, reads the kernel log and the load fails on purpose (as
 * tcrypt's does), so nothing stays behind.
 *
 * One AEAD transform (one SA) with the bench's key sizes; for 1 CPU and
 * then for every online CPU at once, one kthread per CPU encrypts and then
 * decrypts (in place, so the plaintext comes back and the tag checks) a
 * buffer of @len bytes for @ms milliseconds: the crypto each packet of the
 * bench costs, encryption on one side and decryption on the other, with no
 * networking.  tcrypt measures one CPU only (two loads of one module run
 * one after the other) and has no speed mode for authenc.
 *
 * Prints: "evs_cryptbound: ALG len LEN cpus N pairs P ns T".
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

static char *alg = "gcm128";
module_param(alg, charp, 0444);
MODULE_PARM_DESC(alg, "gcm128 (rfc4106(gcm(aes)), 128-bit key, 16-byte ICV) or cbc256sha1 (authenc(hmac(sha1),cbc(aes)), 256-bit key, 12-byte ICV)");
static uint len = 1404;
module_param(len, uint, 0444);
MODULE_PARM_DESC(len, "bytes encrypted per packet (ESP payload with padding and trailer)");
static uint ms = 1000;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "milliseconds per measurement");

#define CB_ASSOC	16	/* SPI + sequence number + 8 bytes (IV for rfc4106) */
#define CB_MAXLEN	9000

struct cb_thread {
	struct crypto_aead *tfm;
	struct completion *start;
	struct completion done;
	ktime_t deadline;
	u64 pairs;
	int err;
};

static int cb_once(struct aead_request *req, struct scatterlist *sg,
		   unsigned int assoc, unsigned int icv, u8 *iv)
{
	DECLARE_CRYPTO_WAIT(wait);
	int err;

	/* CBC hands back its last block as the IV: start each op afresh. */
	memset(iv, 0, 16);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, assoc);
	aead_request_set_crypt(req, sg, sg, len, iv);
	err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	if (err)
		return err;
	memset(iv, 0, 16);
	aead_request_set_crypt(req, sg, sg, len + icv, iv);
	return crypto_wait_req(crypto_aead_decrypt(req), &wait);
}

static int cb_thread_fn(void *data)
{
	struct cb_thread *t = data;
	unsigned int icv = crypto_aead_authsize(t->tfm);
	unsigned int assoc = strcmp(alg, "gcm128") ? 8 : CB_ASSOC;
	struct aead_request *req;
	struct scatterlist sg;
	u8 iv[16] = {};
	unsigned int i;
	u8 *buf;

	req = aead_request_alloc(t->tfm, GFP_KERNEL);
	buf = kzalloc(CB_ASSOC + len + 32, GFP_KERNEL);
	if (!req || !buf) {
		t->err = -ENOMEM;
		goto out;
	}
	sg_init_one(&sg, buf, assoc + len + icv);
	wait_for_completion(t->start);
	/* The clock is read every 16 pairs: under emulation a read costs
	 * as much as a small packet's crypto.
	 */
	while (ktime_before(ktime_get(), t->deadline)) {
		for (i = 0; i < 16 && !t->err; i++) {
			t->err = cb_once(req, &sg, assoc, icv, iv);
			t->pairs += !t->err;
		}
		if (t->err)
			break;
		cond_resched();
	}
out:
	kfree(buf);
	aead_request_free(req);
	complete(&t->done);
	return 0;
}

/* One measurement on CPUs 0..n-1 at once: pairs done, or an error. */
static s64 cb_measure(struct crypto_aead *tfm, unsigned int n, s64 *ns)
{
	DECLARE_COMPLETION_ONSTACK(start);
	struct cb_thread *t;
	unsigned int i, cpu, started = 0;
	ktime_t t0;
	s64 pairs = 0;

	t = kcalloc(n, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct task_struct *k;

		if (started == n)
			break;
		t[started].tfm = tfm;
		t[started].start = &start;
		init_completion(&t[started].done);
		k = kthread_create(cb_thread_fn, &t[started], "evs_cb/%u", cpu);
		if (IS_ERR(k)) {
			pairs = PTR_ERR(k);
			break;
		}
		kthread_bind(k, cpu);
		wake_up_process(k);
		started++;
	}
	t0 = ktime_get();
	for (i = 0; i < started; i++)
		t[i].deadline = ktime_add_ms(t0, ms);
	complete_all(&start);
	for (i = 0; i < started; i++) {
		wait_for_completion(&t[i].done);
		if (t[i].err && pairs >= 0)
			pairs = t[i].err;
		else if (pairs >= 0)
			pairs += t[i].pairs;
	}
	*ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	kfree(t);
	return pairs;
}

static int cb_setkey(struct crypto_aead *tfm, bool gcm)
{
	struct crypto_authenc_key_param *param;
	u8 blob[RTA_SPACE(sizeof(*param)) + 20 + 32];
	struct rtattr *rta = (struct rtattr *)blob;
	int err;

	memset(blob, 0x5a, sizeof(blob));
	if (gcm) {	/* 128-bit key + 4-byte salt */
		err = crypto_aead_setkey(tfm, blob, 20);
	} else {	/* 160-bit HMAC key, 256-bit AES key */
		rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
		rta->rta_len = RTA_LENGTH(sizeof(*param));
		param = RTA_DATA(rta);
		param->enckeylen = cpu_to_be32(32);
		err = crypto_aead_setkey(tfm, blob, sizeof(blob));
	}
	return err ?: crypto_aead_setauthsize(tfm, gcm ? 16 : 12);
}

static int __init cb_init(void)
{
	bool gcm = !strcmp(alg, "gcm128");
	unsigned int n, cpus[2] = { 1, num_online_cpus() };
	struct crypto_aead *tfm;
	s64 pairs, ns;
	int i, err;

	if ((!gcm && strcmp(alg, "cbc256sha1")) || !len || len > CB_MAXLEN ||
	    len % (gcm ? 4 : 16) || !ms)
		return -EINVAL;
	tfm = crypto_alloc_aead(gcm ? "rfc4106(gcm(aes))" :
				"authenc(hmac(sha1),cbc(aes))", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = cb_setkey(tfm, gcm);
	for (i = 0; !err && i < ARRAY_SIZE(cpus); i++) {
		n = cpus[i];
		pairs = cb_measure(tfm, n, &ns);
		if (pairs < 0) {
			err = pairs;
			break;
		}
		pr_info("evs_cryptbound: %s len %u cpus %u pairs %lld ns %lld (%s)\n",
			alg, len, n, pairs, ns,
			crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
	}
	crypto_free_aead(tfm);
	if (err)
		pr_err("evs_cryptbound: %s: error %d\n", alg, err);
	/* Done: fail the load so that nothing stays loaded (as tcrypt). */
	return err ?: -EAGAIN;
}

module_init(cb_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("scripts/bench-dataplane: AEAD throughput without networking");
