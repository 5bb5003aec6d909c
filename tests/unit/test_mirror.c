/* test_mirror.c - what the md ioctls get for a mirror's RAID1, checked
 * against what md.c reads from them (md_set_array_info, md_add_new_disk). */
#include <linux/raid/md_p.h>
#include <sys/sysmacros.h>

#include "check.h"
#include "mirror.h"

static void array_is_clean_raid1_without_superblock(void)
{
	mdu_array_info_t info;

	mirror_array_info(&info, 2);
	CHECK_EQ(info.level, 1);
	CHECK_EQ(info.raid_disks, 2);
	CHECK_EQ(info.nr_disks, 2);
	CHECK_EQ(info.not_persistent, 1);
	/* MD_SB_CLEAN: resync_offset = MaxSector, no initial resync */
	CHECK_EQ(info.state, 1 << MD_SB_CLEAN);
	/* 0: md takes the smallest leg's size */
	CHECK_EQ(info.size, 0);
	/* ADD_NEW_DISK without a superblock needs version 0 */
	CHECK_EQ(info.major_version, 0);
}

static void leg_is_active_and_in_sync_in_its_slot(void)
{
	mdu_disk_info_t disk;

	mirror_disk_info(&disk, 1, makedev(43, 32));
	CHECK_EQ(disk.number, 1);
	CHECK_EQ(disk.raid_disk, 1);
	CHECK_EQ(disk.major, 43);
	CHECK_EQ(disk.minor, 32);
	CHECK_EQ(disk.state, (1 << MD_DISK_ACTIVE) | (1 << MD_DISK_SYNC));
}

int main(void)
{
	RUN(array_is_clean_raid1_without_superblock);
	RUN(leg_is_active_and_in_sync_in_its_slot);
	return check_summary("mirror");
}
