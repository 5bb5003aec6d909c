/* test_swap.c - the swap header, checked against the kernel's layout
 * (include/linux/swap.h, union swap_header) and toybox mkswap's output. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "swap.h"

static uint8_t page[4096];
static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16 };

static uint32_t u32_at(size_t off)
{
	uint32_t v;

	memcpy(&v, page + off, 4);
	return v;
}

static void header_fields(void)
{
	CHECK_EQ(swap_header_encode(page, sizeof(page), 64u << 20, uuid), 16384);
	CHECK_EQ(u32_at(1024), 1);          /* version */
	CHECK_EQ(u32_at(1028), 16383);      /* last_page */
	CHECK_EQ(u32_at(1032), 0);          /* nr_badpages */
	CHECK(!memcmp(page + 1036, uuid, 16));
	CHECK(!memcmp(page + 4096 - 10, "SWAPSPACE2", 10));
}

static void boot_sector_zeroed(void)
{
	memset(page, 0xff, sizeof(page));
	swap_header_encode(page, sizeof(page), 1u << 20, uuid);
	for (size_t i = 0; i < 1024; i++)
		if (page[i]) {
			CHECK(!"bootbits must be zero");
			break;
		}
	for (size_t i = 1036 + 16 + 16; i < 4096 - 10; i++)
		if (page[i]) {
			CHECK(!"padding must be zero");
			break;
		}
}

static void partial_page_ignored(void)
{
	CHECK_EQ(swap_header_encode(page, sizeof(page), (1u << 20) + 1000, uuid), 256);
	CHECK_EQ(u32_at(1028), 255);
}

static void too_small_refused(void)
{
	CHECK_EQ(swap_header_encode(page, sizeof(page), 0, uuid), -1);
	CHECK_EQ(swap_header_encode(page, sizeof(page), 1024, uuid), -1);
	CHECK_EQ(swap_header_encode(page, sizeof(page), 4096 * (SWAP_MIN_PAGES - 1), uuid), -1);
	CHECK_EQ(swap_header_encode(page, sizeof(page), 4096 * SWAP_MIN_PAGES, uuid), SWAP_MIN_PAGES);
}

static void huge_device_capped(void)
{
	/* last_page is 32 bits: a 32 TiB device uses what the header can name */
	CHECK_EQ(swap_header_encode(page, sizeof(page), 1ull << 45, uuid), 0xffffffffL);
	CHECK_EQ(u32_at(1028), 0xfffffffeu);
}

int main(void)
{
	RUN(header_fields);
	RUN(boot_sector_zeroed);
	RUN(partial_page_ignored);
	RUN(too_small_refused);
	RUN(huge_device_capped);
	return check_summary("swap");
}
