/* libFuzzer target: the --acls parser and the evaluation of a request against what parsed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acls acls;
	char err[512], desc[512];
	if (acl_parse((const char *)data, size, "fuzz", &acls, err, sizeof(err)) < 0) {
		if (!err[0])
			__builtin_trap();
		return 0;
	}
	for (int a = 0; a < ACL_ACTION_COUNT; a++) {
		int rule;
		acl_check(&acls, (enum acl_action)a, "p", "root", &rule);
		acl_describe_rule(&acls, (enum acl_action)a, rule, desc, sizeof(desc));
		acl_check(&acls, (enum acl_action)a, NULL, "mesos", &rule);
		acl_describe_rule(&acls, (enum acl_action)a, rule, desc, sizeof(desc));
	}
	acl_free(&acls);
	return 0;
}
