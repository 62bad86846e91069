// The ssh node driver: hosts from a YAML inventory, reached over pinned-key SSH.
export { SshDriver, openSshDriver } from './driver';
export { type SshTrustOptions } from './connection';
export { loadInventory, parseInventory, type Inventory, type InventoryHost, type InventoryOptions, type InventoryRail } from './inventory';
export { appendKnownHost, fingerprint, parseHostKeyLine, readKnownHosts, readKnownHostsEntry, type KnownHostsEntry, type PinnedKey } from './hostkeys';
