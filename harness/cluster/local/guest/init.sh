#!/.rc/bin/sh
# PID 1 of a rdma-chaos node (busybox sh from the initramfs). There is no root filesystem:
# the host's /usr and /etc come in read-only over 9p with tmpfs overlays, the kernel's module
# tree comes from the setup cache. Then: start sshd, name NICs by MAC, address the rails,
# create one rxe device per rail, print the READY line the controller waits for, and become
# busybox init (reaps orphans, keeps a root shell on ttyS1 for debugging).
#
# Kernel command line (set by the controller):
#   rdmachaos.name=node1  rdmachaos.ip0=10.77.0.1/24  rdmachaos.ip1=10.78.0.1/24
#   rdmachaos.proj=/path  (the repository, mounted read-only at the same path)
#   rdmachaos.break=1     stop before sshd and READY (debug; the node never becomes ready)
#   rdmachaos.debug=1     print the uptime at each step, save dmesg to /srv/rdma-chaos (profiling)
#
# Every fork costs milliseconds under TCG: this script prefers shell builtins.
export PATH=/.rc/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

read -r CMDLINE < /proc/cmdline
NAME="" PROJ="" BREAK="" DEBUG="" IP0="" IP1="" IP2="" IP3=""
for w in $CMDLINE; do
  case "$w" in
    rdmachaos.name=*) NAME=${w#*=} ;;
    rdmachaos.proj=*) PROJ=${w#*=} ;;
    rdmachaos.break=*) BREAK=1 ;;
    rdmachaos.debug=*) DEBUG=1 ;;
    rdmachaos.ip0=*) IP0=${w#*=} ;;
    rdmachaos.ip1=*) IP1=${w#*=} ;;
    rdmachaos.ip2=*) IP2=${w#*=} ;;
    rdmachaos.ip3=*) IP3=${w#*=} ;;
  esac
done
say() { echo "rdma-chaos: $*"; }
mark() { [ -n "$DEBUG" ] || return 0; read -r u _ < /proc/uptime; say "t=$u $*"; }
mark init

# virtio, 9p, overlay, virtio_net and rdma_rxe with their dependencies, in load order
while read -r m; do insmod "/.rc/mods/$m.ko" || say "insmod $m failed"; done < /.rc/modules
mark modules loaded

read -r _ _ KV _ < /proc/version
O=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /.rc/lower/usr /.rc/lower/etc /.rc/ovl
mount -t 9p -o $O,ro,cache=loose hostusr /.rc/lower/usr || say "9p /usr FAILED"
mount -t 9p -o $O,ro,cache=loose hostetc /.rc/lower/etc || say "9p /etc FAILED"
mount -t tmpfs -o mode=755 ovl /.rc/ovl
mkdir -p /.rc/ovl/usr/u /.rc/ovl/usr/w /.rc/ovl/etc/u /.rc/ovl/etc/w
mount -t overlay -o lowerdir=/.rc/lower/usr,upperdir=/.rc/ovl/usr/u,workdir=/.rc/ovl/usr/w ovl /usr || say "overlay /usr FAILED"
mount -t overlay -o lowerdir=/.rc/lower/etc,upperdir=/.rc/ovl/etc/u,workdir=/.rc/ovl/etc/w ovl /etc || say "overlay /etc FAILED"
mkdir -p "/usr/lib/modules/$KV"
mount -t 9p -o $O,ro,cache=loose mods "/usr/lib/modules/$KV" || say "9p modules FAILED"
mount -t 9p -o $O,cache=mmap shared /srv/rdma-chaos || say "9p shared FAILED"
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
# after /run and /tmp: a checkout under /tmp must not be hidden by their tmpfs
if [ -n "$PROJ" ]; then mkdir -p "$PROJ" && mount -t 9p -o $O,ro,cache=loose proj "$PROJ" || say "9p $PROJ FAILED"; fi
mkdir -p /dev/pts /dev/shm /run/sshd /run/lock
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
export PATH=/.rc/bin:/usr/sbin:/usr/bin
# nap SECONDS: sleep without a fork (usleep forks, ~100 forks/s would eat the vCPU we wait on)
mkfifo /run/rc.tick
nap() { read -t "$1" _ <> /run/rc.tick; }
mark mounted

hostname "$NAME"
echo "$NAME" > /etc/hostname
cat > /etc/inittab <<'EOT'
ttyS1::respawn:/.rc/bin/sh
::shutdown:/.rc/bin/sync
EOT
if [ -n "$BREAK" ]; then
  say "BREAK requested: not starting sshd, this node will never be READY (root shell on ttyS1)"
  exec /.rc/bin/init
fi

# sshd first, in the background: it spends its start reading libraries over 9p, which the
# host serves on another thread while this script sets up the NICs. It binds 0.0.0.0:22, so
# it needs no address yet. -r: no re-exec per connection, which halves the SSH handshake
# under TCG (~0.4 s instead of ~0.85 s).
listening() { while read -r _ l _ st _; do [ "$l" = 00000000:0016 ] && [ "$st" = 0A ] && return 0; done < /proc/net/tcp; return 1; }
/usr/sbin/sshd -r -f /.rc/ssh/sshd_config &
# tell the controller the moment sshd listens, so it can start its SSH handshake now
(
  i=0
  while [ $i -lt 1000 ] && ! listening; do i=$((i + 1)); nap 0.01; done
  listening && echo "RDMA-CHAOS-SSHD name=$NAME"
) &

# MAC scheme: 52:54:00:ff:* is the management NIC (qemu user net), 52:54:00:0K:* is rail K.
ip link set lo up
for d in /sys/class/net/eth*; do
  [ -e "$d" ] || continue
  read -r mac < "$d/address"
  case "$mac" in
    52:54:00:ff:*) new=mgmt0 ;;
    52:54:00:0?:*) k=${mac#52:54:00:0}; new=data$((0x${k%%:*})) ;;
    *) continue ;;
  esac
  ip link set "${d##*/}" name "$new"
done
ip addr add 10.0.2.15/24 dev mgmt0 && ip link set mgmt0 up
mark nics named

RXE="" k=0
: > /run/rxe.batch
for a in "$IP0" "$IP1" "$IP2" "$IP3"; do
  if [ -n "$a" ]; then
    ip addr add "$a" dev data$k && ip link set data$k up
    echo "link add rxe$k type rxe netdev data$k" >> /run/rxe.batch
    RXE="$RXE rxe$k"
  fi
  k=$((k + 1))
done
# one rdma process for every rail
[ -n "$RXE" ] && { rdma -b /run/rxe.batch || say "rdma link add FAILED"; }
mark rails up

# READY means: sshd listens and every rxe port is ACTIVE (or 10 s passed; the controller
# checks both again over SSH).
active() {
  for r in $RXE; do read -r _ s 2>/dev/null < "/sys/class/infiniband/$r/ports/1/state" && [ "$s" = ACTIVE ] || return 1; done
}
i=0
while [ $i -lt 1000 ] && ! { listening && active; }; do i=$((i + 1)); nap 0.01; done
P=""
for r in $RXE; do read -r _ s < "/sys/class/infiniband/$r/ports/1/state"; P="$P $r=$s"; done
# Booted quiet (every console byte is slow under TCG); from now on the console gets warnings
# and worse (WARNING, BUG, oops, panic, hung task, RCU stall) for the controller to capture.
dmesg -n 5
read -r up _ < /proc/uptime
echo "RDMA-CHAOS-READY name=$NAME uptime=$up$P"
# boot profiling: the full kernel log (with initcall_debug, every initcall's duration)
[ -n "$DEBUG" ] && dmesg > "/srv/rdma-chaos/dmesg-$NAME.txt"
exec /.rc/bin/init
