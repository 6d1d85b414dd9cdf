/* client/web/assets.h: the wall's static files, compiled in (no CDN, no
 * files to install): every file of client/web/assets/ at build time, made
 * into C arrays by gen_assets.py. */
#pragma once

#include <stddef.h>

typedef struct web_asset {
	const char *path; /* "/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
} web_asset_t;

extern const web_asset_t web_assets[];
extern const size_t web_n_assets;

/* The asset served at 'path' ("/" is "/index.html"), or NULL. */
const web_asset_t *web_asset_find(const char *path);
