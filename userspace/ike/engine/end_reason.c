// SPDX-License-Identifier: MIT
/*
 * The names of the reasons a session ends (session.h), apart from the
 * engine so that the layers above can name them without its objects.
 */
#include "ike/engine/session.h"

static const char *const end_reason_names[EVS_END__COUNT] = {
	[EVS_END_ERROR] = "error",
	[EVS_END_REFUSED] = "refused",
	[EVS_END_PEER_DELETE] = "client delete",
	[EVS_END_DPD] = "DPD",
	[EVS_END_ADMIN] = "admin",
	[EVS_END_IDLE_TIMEOUT] = "idle timeout",
	[EVS_END_SESSION_TIMEOUT] = "session timeout",
	[EVS_END_RELOAD] = "reload",
	[EVS_END_SHUTDOWN] = "shutdown",
	[EVS_END_LIFETIME] = "lifetime",
	[EVS_END_REPLACED] = "replaced",
	[EVS_END_HANDOVER] = "handed over",
};

const char *evs_end_reason_name(enum evs_end_reason r)
{
	return (unsigned)r < EVS_END__COUNT ? end_reason_names[r] : "?";
}
