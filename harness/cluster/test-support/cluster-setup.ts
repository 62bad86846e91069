// jest globalSetup: name this test run, so the teardown only takes down a cluster it booted.
import { SESSION_VAR } from './shared-cluster';

export default async function clusterSetup(): Promise<void> {
  process.env[SESSION_VAR] ??= `jest-${process.pid}-${Date.now()}`;
}
