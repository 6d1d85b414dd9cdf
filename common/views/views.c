/* common/views/views.c: see views.h. */
#include "common/index/directory.h"
#include "common/views/monitor.h"
#include "common/views/search.h"
#include "common/views/sources.h"
#include "common/views/views.h"

int ld_views_attach(ld_store_t *s)
{
	int r;

	/* Registration order is apply and commit order: the summaries judge
	 * from the threads and feed the search index before it flushes. */
	if ((r = ld_receipts_attach(s)) < 0 || (r = ld_hidden_attach(s)) < 0 ||
	    (r = ld_threads_attach(s)) < 0 || (r = ld_directory_attach(s)) < 0 ||
	    (r = ld_summaries_attach(s)) < 0 || (r = ld_monitor_attach(s)) < 0 ||
	    (r = ld_sources_attach(s)) < 0)
		return r;
	return ld_search_attach(s);
}

int ld_views_open(const char *dir, const uint8_t root_pub[LD_PUBKEY_LEN],
		  const ld_store_opts_t *opts, ld_store_t **ret_store)
{
	ld_store_t *s;
	int r = ld_store_open(dir, root_pub, opts, &s);

	if (r < 0)
		return r;
	if ((r = ld_views_attach(s)) < 0) {
		ld_store_destroy(&s);
		return r;
	}
	*ret_store = s;
	return 0;
}
