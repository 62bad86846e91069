// The ssh node driver: hosts from a YAML inventory, reached over pinned-key SSH.
export { SshDriver, openSshDriver } from './driver';
export { loadInventory, parseInventory, type Inventory, type InventoryHost, type InventoryRail } from './inventory';
export { fingerprint, parseHostKeyLine, readKnownHosts, type PinnedKey } from './hostkeys';
