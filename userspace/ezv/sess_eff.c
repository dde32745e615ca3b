// SPDX-License-Identifier: MIT
/*
 * A session's effective settings (its group's, overlaid with its user
 * block's): 6 KiB, the same for every user of a group without a user
 * block, so those share one counted copy; a user with a block that sets
 * something has a copy of its own.  z holds the shared copy of each group
 * of the running configuration (made by the group's first session); a
 * reload drops z's references only, so a live session keeps the settings
 * it was given (as when every session had its own copy) and the last of
 * them frees the old copy.
 */
#include <stdlib.h>

#include "ezv/ezv_int.h"

/* What a session reads before its settings are decided (and a client's,
 * which has none): all zero, as a cleared session's own copy was. */
static const struct ezv_settings no_settings;

void ezv_sess_eff_init(struct ezv_sess *x)
{
	x->eff = &no_settings;
	x->eff_ref = NULL;
}

static void eff_put(struct ezv_eff *e)
{
	if (e && --e->refs == 0)
		free(e);
}

static struct ezv_eff *eff_new(const struct ezv_group *g, const struct ezv_user *u)
{
	struct ezv_eff *e = malloc(sizeof(*e));

	if (!e)
		return NULL;
	e->refs = 1;
	ezv_merge(&g->s, u ? &u->s : NULL, &e->s);
	return e;
}

/* z's shared copy of g (a group of z->cfg), made when first asked for. */
static struct ezv_eff *group_eff(struct ezv *z, const struct ezv_group *g)
{
	size_t i = (size_t)(g - z->cfg->groups);

	if (i >= z->cfg->n_groups)
		return NULL;
	if (!z->group_eff) {
		z->group_eff = calloc(z->cfg->n_groups, sizeof(*z->group_eff));
		if (!z->group_eff)
			return NULL;
		z->n_group_eff = z->cfg->n_groups;
	}
	if (!z->group_eff[i])
		z->group_eff[i] = eff_new(g, NULL);
	return z->group_eff[i];
}

int ezv_sess_settle(struct ezv_sess *x, const struct ezv_group *g, const struct ezv_user *u)
{
	struct ezv_eff *e;

	if (u && u->s.has)
		e = eff_new(g, u);
	else if ((e = group_eff(x->z, g)))
		e->refs++;
	if (!e)
		return -1;
	ezv_sess_eff_drop(x);
	x->eff_ref = e;
	x->eff = &e->s;
	return 0;
}

void ezv_sess_eff_drop(struct ezv_sess *x)
{
	eff_put(x->eff_ref);
	ezv_sess_eff_init(x);
}

void ezv_group_eff_drop(struct ezv *z)
{
	for (size_t i = 0; i < z->n_group_eff; i++)
		eff_put(z->group_eff[i]);
	free(z->group_eff);
	z->group_eff = NULL;
	z->n_group_eff = 0;
}
