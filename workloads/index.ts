// The workload registry.
import type { WorkloadSpec } from '../harness/campaign/schema';
import { casRegister } from './cas-register';
import { counter } from './counter';
import { register } from './register';
import { sendStream } from './send-stream';
import type { WorkloadPackage } from './types';

export * from './types';

const PACKAGES: Record<WorkloadSpec['workload'], WorkloadPackage> = {
  counter,
  'cas-register': casRegister,
  register,
  'send-stream': sendStream,
};

export function workloadPackage(name: WorkloadSpec['workload']): WorkloadPackage {
  return PACKAGES[name];
}
