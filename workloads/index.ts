// The workload registry: one line per package. Everything else about a workload lives in its
// own folder; nothing outside it and this list names one.
import type { PatternDef } from '../harness/core';
import { casRegister } from './cas-register';
import { counter } from './counter';
import { register } from './register';
import { sendStream } from './send-stream';
import type { WorkloadPackage } from './types';

export * from './types';

const PACKAGES: readonly WorkloadPackage[] = [
  counter,
  casRegister,
  register,
  sendStream,
];

export const WORKLOAD_NAMES = PACKAGES.map((p) => p.name);

export function isWorkloadName(name: string): boolean {
  return PACKAGES.some((p) => p.name === name);
}

/** the package of a validated workload name */
export function workloadPackage(name: string): WorkloadPackage {
  const p = PACKAGES.find((x) => x.name === name);
  if (!p) throw new Error(`no workload package "${name}"`);
  return p;
}

/** every package's failure patterns, in registry order (the classifier's order) */
export function workloadPatterns(): PatternDef[] {
  return PACKAGES.flatMap((p) => p.patterns);
}
