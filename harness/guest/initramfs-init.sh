#!/bin/busybox sh
# /init of the initramfs dplab builds for qemu guests: load the virtio/9p modules (dependencies
# first, as named 00-*.ko, 01-*.ko, ...), mount the host root read-only over 9p and hand over to
# guest-init.sh on it ($DPLAB_INIT, from the kernel command line). Anything failing powers off:
# the host sees no exit code and reports the guest's kernel log.
B=/bin/busybox
$B mkdir -p /proc /sys /dev /newroot
$B mount -t proc proc /proc
$B mount -t devtmpfs dev /dev
fail() { echo "initramfs: $*"; $B poweroff -f; }
for m in /modules/*.ko; do $B insmod "$m" || fail "insmod $m"; done
$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /newroot || fail "mount the host root over 9p"
$B mount --move /dev /newroot/dev
$B umount /proc
exec $B switch_root /newroot "$DPLAB_INIT"
