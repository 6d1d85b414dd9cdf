/* common/curve.c: see curve.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "common/curve.h"
#include "common/secret.h"

int ld_curve_z85_decode(const char *z85, uint8_t raw[32])
{
	if (!z85 || strlen(z85) != LD_CURVE_Z85_LEN || !zmq_z85_decode(raw, z85))
		return -EINVAL;
	return 0;
}

int ld_curve_z85_encode(const uint8_t raw[32], char z85[LD_CURVE_Z85_LEN + 1])
{
	return zmq_z85_encode(z85, raw, 32) ? 0 : -EINVAL;
}

int ld_curve_create(const char *path, ld_curve_pair_t *ret_pair)
{
	FILE *f;
	int r;

	if (zmq_curve_keypair(ret_pair->pub, ret_pair->sec) != 0)
		return errno ? -errno : -EIO;
	if ((r = ld_secret_create(path, &f)) < 0)
		return r;
	if (fprintf(f, "# liandong CurveZMQ key pair: keep secret (mode 0600)\n"
		       "public = %s\nsecret = %s\n", ret_pair->pub, ret_pair->sec) < 0)
		r = -EIO;
	return ld_secret_close(f, path, r);
}

int ld_curve_load(const char *path, ld_curve_pair_t *ret_pair)
{
	char line[256];
	uint8_t raw[32];
	FILE *f;
	int have = 0, r = ld_secret_open(path, &f);

	if (r < 0)
		return r;
	while (fgets(line, sizeof(line), f)) {
		char name[16], val[64];

		if (sscanf(line, " %15[a-z] = %63s", name, val) != 2)
			continue;
		if (!strcmp(name, "public") && ld_curve_z85_decode(val, raw) == 0) {
			memcpy(ret_pair->pub, val, LD_CURVE_Z85_LEN + 1);
			have |= 1;
		} else if (!strcmp(name, "secret") && ld_curve_z85_decode(val, raw) == 0) {
			memcpy(ret_pair->sec, val, LD_CURVE_Z85_LEN + 1);
			have |= 2;
		}
		explicit_bzero(val, sizeof(val));
		explicit_bzero(line, sizeof(line));
	}
	explicit_bzero(raw, sizeof(raw));
	fclose(f);
	return have == 3 ? 0 : -EINVAL;
}
