// SPDX-License-Identifier: MIT
/* evsadm: ip-style administration of evs (see evsadm(8)). */
#include "evsadm/evsadm.h"

int main(int argc, char **argv)
{
	return evsadm_main(argc, argv);
}
