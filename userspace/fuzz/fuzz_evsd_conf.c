// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the evsd.conf grammar and the IKE section
 * interpreter.  Not network input, but an operator's typo must give a
 * file:line error, never a crash.  Inputs naming a pki block are only
 * tokenised: the interpreter would open the named files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evsd/config.h"
#include "evsd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_config ike;
	struct cfg_node *root;
	struct cfg_err err;
	char *text;

	evsd_log_set_quiet(true);
	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	root = cfg_parse_string(text, "fuzz.conf", &err);
	if (root && !strstr(text, "pki")) {
		if (config_ike_load(root, &ike, &err) == 0) {
			(void)cfg_check_unused(root, &err);
			config_ike_free(&ike);
		}
	}
	cfg_free(root);
	free(text);
	return 0;
}
