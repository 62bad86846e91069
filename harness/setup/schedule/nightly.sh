#!/bin/bash
# The nightly campaign matrix, as the systemd timer (rdma-chaos-nightly.timer) or the cron line
# (rdma-chaos.cron) starts it: every campaign once, each with its report and JUnit file, into
# one store, then the store's index. Output goes to stdout/stderr: the journal under systemd,
# the cron line's log file under cron.
#
# Settings (environment, or the 0600 file RDMA_CHAOS_ENV_FILE, default /etc/rdma-chaos/nightly.env):
#   RDMA_CHAOS_STORE      where runs go (default /var/lib/rdma-chaos/store)
#   RDMA_CHAOS_CAMPAIGNS  campaign files, relative to the checkout (default: the matrix below)
#   RDMA_CHAOS_INFLUX     an InfluxDB 1.x URL for live metrics, without credentials
#   RDMA_CHAOS_INFLUX_USER / RDMA_CHAOS_INFLUX_PASSWORD (or ..._PASSWORD_FILE): its credentials
# Exit code: the worst of the runs, harness trouble first (255, 254), then Jepsen's order
# (1 violation over 2 unknown over 0 valid). The self-testing campaigns end 1 by design: their
# JUnit "expected outcome" testcase says whether that was the expected violation.
set -u
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
ENV_FILE="${RDMA_CHAOS_ENV_FILE:-/etc/rdma-chaos/nightly.env}"
if [ -e "$ENV_FILE" ]; then
  # secrets live there: refuse a file others can read, as ssh refuses such a key
  mode="$(stat -c %a "$ENV_FILE")"
  if [ $((8#$mode & 077)) -ne 0 ]; then
    echo "rdma-chaos-nightly: $ENV_FILE: permissions $mode are too open (want 600: it holds credentials)" >&2
    exit 254
  fi
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
fi
STORE="${RDMA_CHAOS_STORE:-/var/lib/rdma-chaos/store}"
CAMPAIGNS="${RDMA_CHAOS_CAMPAIGNS:-campaigns/default.yaml campaigns/shift/fadd-replay.yaml campaigns/shift/fadd-none.yaml campaigns/shift/fadd-shift.yaml campaigns/shift/cas-replay.yaml campaigns/shift/cas-read-verify.yaml campaigns/shift/flag-replay-ackloss.yaml campaigns/shift/flag-replay-packetloss.yaml campaigns/shift/send-replay.yaml campaigns/shift/send-shift.yaml campaigns/health/node-panic.yaml campaigns/random-10m.yaml campaigns/checker/single-key-10m.yaml}"
CLI=(node "$ROOT/bin/rdma-chaos.js")
night="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
junit="$STORE/junit/$night"
mkdir -p "$junit"

rank() { case "$1" in 255) echo 5 ;; 254) echo 4 ;; 1) echo 3 ;; 2) echo 2 ;; 0) echo 0 ;; *) echo 4 ;; esac; }
worst=0
for c in $CAMPAIGNS; do
  name="$(basename "$c" .yaml)"
  echo "rdma-chaos-nightly: $name: starting"
  "${CLI[@]}" run "$ROOT/$c" --store "$STORE" --report --junit "$junit/$name.xml" ${RDMA_CHAOS_INFLUX:+--influx "$RDMA_CHAOS_INFLUX"}
  rc=$?
  echo "rdma-chaos-nightly: $name: exit $rc"
  [ "$(rank "$rc")" -gt "$(rank "$worst")" ] && worst=$rc
done
"${CLI[@]}" report index "$STORE" || worst=255
echo "rdma-chaos-nightly: done, worst exit $worst; index $STORE/index.html, JUnit $junit/"
exit "$worst"
