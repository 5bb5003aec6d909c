/* helper.h - what every process the init leaves running shares. */
#ifndef NETSWAP_HELPER_H
#define NETSWAP_HELPER_H

void helper_detach(const char *name);
void helper_io_flusher(const char *name);

#endif
