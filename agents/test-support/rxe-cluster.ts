// The real SoftRoCE cluster the agent tests run on: two nodes with two rails each (rxe0 on
// data0, rxe1 on data1). Uses the suite's shared local cluster when the cluster package provides
// one (harness/cluster/test-support/shared-cluster), or an already running lab given by
// RDMA_CHAOS_VMLAB=<dir> (ssh on 127.0.0.1:23000+i, key <dir>/ssh/id_ed25519, pinned host key
// <dir>/ssh/ssh_host_ed25519_key.pub). Without either, the tests fail and say so: they never
// pass without real rxe.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NodeDriver } from '../../harness/core';
import { openSshDriver } from '../../harness/cluster/ssh';

export interface RxeCluster {
  driver: NodeDriver;
  /** node names, at least two */
  nodes: string[];
  release(): Promise<void>;
}

interface SharedModule {
  acquireSharedCluster(o?: { nodes?: number; rails?: number }): Promise<{ driver: NodeDriver; nodes: string[]; release(): Promise<void> }>;
}

export async function rxeCluster(): Promise<RxeCluster> {
  const shared = path.resolve(__dirname, '../../harness/cluster/test-support/shared-cluster.ts');
  if (existsSync(shared) && !process.env.RDMA_CHAOS_VMLAB) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require(shared) as SharedModule;
    return m.acquireSharedCluster({ nodes: 2, rails: 2 });
  }
  const lab = process.env.RDMA_CHAOS_VMLAB;
  if (!lab) {
    throw new Error('no SoftRoCE cluster for the agent tests: harness/cluster/test-support/shared-cluster.ts is missing and RDMA_CHAOS_VMLAB is not set');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'rc-agent-inv-'));
  const hostKey = readFileSync(path.join(lab, 'ssh/ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const hosts = [1, 2].map((i) => [
    `  - name: vm${i}`,
    '    address: 127.0.0.1',
    `    port: ${23000 + i}`,
    `    key: ${path.join(lab, 'ssh/id_ed25519')}`,
    `    hostKey: ${hostKey}`,
    '    rails:',
    `      - { netdev: data0, address: 10.77.0.${i}/24, rdmaDevice: rxe0 }`,
    `      - { netdev: data1, address: 10.78.0.${i}/24, rdmaDevice: rxe1 }`,
  ].join('\n'));
  const inv = path.join(dir, 'inventory.yaml');
  writeFileSync(inv, `connectTimeout: 30\nhosts:\n${hosts.join('\n')}\n`);
  const driver = openSshDriver(inv);
  return {
    driver,
    nodes: ['vm1', 'vm2'],
    release: async () => {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
