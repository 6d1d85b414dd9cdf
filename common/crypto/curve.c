/* common/crypto/curve.c: see curve.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "common/crypto/curve.h"
#include "common/base/secret.h"

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
	if (fprintf(f,
		    "# liandong CurveZMQ key pair: keep secret (mode 0600)\n"
		    "public = %s\nsecret = %s\n",
		    ret_pair->pub, ret_pair->sec) < 0)
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

bool ld_curve_pub_valid(const uint8_t raw[32])
{
	/* The u-coordinates of small order (as libsodium lists them), below p. */
	static const uint8_t small[][32] = {
		{0},
		{1},
		{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
		 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
		 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
		{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
		 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
		 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	};
	bool below_p = false;

	/* p = 2^255 - 19: little-endian ed ff .. ff 7f. p - 1 is of small order. */
	if (raw[31] & 0x80)
		return false;
	if (raw[31] != 0x7f || raw[0] < 0xec)
		below_p = true;
	for (int i = 1; i < 31 && !below_p; i++)
		if (raw[i] != 0xff)
			below_p = true;
	if (!below_p)
		return false;
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		if (!memcmp(raw, small[i], 32))
			return false;
	return true;
}
