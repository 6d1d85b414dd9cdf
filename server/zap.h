/* server/zap.h: admission of peers (ZAP); see zap.c. */
#pragma once

typedef struct ld_node ld_node_t;

/* Answer the ZAP requests waiting on n->zap. */
void ld_zap_handle(ld_node_t *n);
