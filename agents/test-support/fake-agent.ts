// Agents on this host with the fake binding, for the fast RPC/lease/policy unit tests.
import { AgentClient, type AgentClientOptions } from '../client';
import { ProcessDriver } from './process-driver';

export async function startFakeAgent(o: Partial<AgentClientOptions> & { fakeDown?: string } = {}): Promise<{ agent: AgentClient; driver: ProcessDriver }> {
  const driver = new ProcessDriver(['n1']);
  const agent = await AgentClient.start({
    driver,
    node: 'n1',
    processBase: 0,
    leaseMs: 4000,
    ...o,
    env: { RDMA_BINDING: 'fake', ...(o.fakeDown ? { RDMA_FAKE_DOWN: o.fakeDown } : {}), ...o.env },
  });
  return { agent, driver };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // a zombie is dead for our purposes
    return !/\) Z /.test(require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
