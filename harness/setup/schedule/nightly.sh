#!/bin/bash
# The nightly suite, as the systemd timer (rdma-chaos-nightly.timer) or the cron line
# (rdma-chaos.cron) starts it: `rdma-chaos nightly` over campaigns/nightly (the matrix) into one
# store, with --resume (a night a reboot or a kill cut short is finished first) and retention.
# Output goes to stdout/stderr: the journal under systemd, the cron line's log file under cron.
#
# Settings (environment, or the 0600 file RDMA_CHAOS_ENV_FILE, default /etc/rdma-chaos/nightly.env):
#   RDMA_CHAOS_STORE      where runs and nights go (default /var/lib/rdma-chaos/store)
#   RDMA_CHAOS_SUITE      a suite YAML or a folder of campaigns, relative to the checkout
#                         (default campaigns/nightly)
#   RDMA_CHAOS_KEEP       retention: compress runs older than this, or beyond N per campaign (30d)
#   RDMA_CHAOS_INFLUX     an InfluxDB 1.x URL for live metrics, without credentials
#   RDMA_CHAOS_INFLUX_USER / RDMA_CHAOS_INFLUX_PASSWORD (or ..._PASSWORD_FILE): its credentials
# Exit code: the night's (0 every run met its expectation, 1 one did not, 2 one was not
# decided), or 254 for a bad suite or settings file.
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
SUITE="${RDMA_CHAOS_SUITE:-campaigns/nightly}"
exec node "$ROOT/bin/rdma-chaos.js" nightly "$ROOT/$SUITE" --store "$STORE" --resume --keep "${RDMA_CHAOS_KEEP:-30d}" ${RDMA_CHAOS_INFLUX:+--influx "$RDMA_CHAOS_INFLUX"}
