// SPDX-License-Identifier: MIT
/*
 * The pending job of evsd's systemd unit (sdunit.h): GetUnitByPID, the
 * unit's Job property, the job's JobType.  While a restart job stops the
 * unit its type stays "restart" (systemd turns it into a start only once
 * the stop is done), so it is what SIGTERM came from.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "evsd/sdunit.h"

#define SD_DEST "org.freedesktop.systemd1"

bool sdunit_restarting(const char **why)
{
	sd_bus *bus = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	const char *p = NULL;
	char *unit = NULL, *type = NULL;
	uint32_t job = 0;
	bool r = false;

	*why = "not started by systemd";
	/* Set by systemd for every service it runs. */
	if (!getenv("INVOCATION_ID"))
		return false;
	*why = "systemd cannot be asked";
	if (sd_bus_open_system(&bus) < 0)
		goto out;
	sd_bus_set_method_call_timeout(bus, 2 * 1000 * 1000);
	if (sd_bus_call_method(bus, SD_DEST, "/org/freedesktop/systemd1",
			       SD_DEST ".Manager", "GetUnitByPID", &e, &m, "u",
			       (uint32_t)getpid()) < 0 ||
	    sd_bus_message_read(m, "o", &p) < 0 || !(unit = strdup(p)))
		goto out;
	m = sd_bus_message_unref(m);
	if (sd_bus_get_property(bus, SD_DEST, unit, SD_DEST ".Unit", "Job", &e, &m,
				"(uo)") < 0 ||
	    sd_bus_message_read(m, "(uo)", &job, &p) < 0)
		goto out;
	*why = "no job: a stop from outside systemd";
	if (!job)
		goto out;
	if (sd_bus_get_property_string(bus, SD_DEST, p, SD_DEST ".Job", "JobType", &e,
				       &type) < 0) {
		*why = "systemd cannot be asked";
		goto out;
	}
	r = !strcmp(type, "restart") || !strcmp(type, "try-restart");
	*why = r ? "systemd restarts the unit" : "systemd stops the unit";
out:
	free(type);
	free(unit);
	sd_bus_message_unref(m);
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
	return r;
}
