// The model registry: names the CLI accepts, and the default model for a history.
import type { HistoryFormat, Operation } from '../../core';
import { InputError } from '../../core';
import type { AnyModel } from '../model';
import { counterModel } from './counter';
import { kvModel, kvNoPartitionModel } from './kv';
import { multiRegisterModel, mutexModel } from './mutex';
import { queueModel } from './queue';
import { casRegisterModel, etcdModel, registerModel } from './register';

export { BadValueError } from './values';
export { casRegisterModel, counterModel, etcdModel, kvModel, kvNoPartitionModel, multiRegisterModel, mutexModel, queueModel, registerModel };

export const MODEL_NAMES = ['register', 'cas-register', 'etcd', 'counter', 'kv', 'kv-nopart', 'queue', 'mutex', 'multi-register'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelOptions {
  /** false: check the whole history as one state */
  partition?: boolean;
}

export function getModel(name: string, o: ModelOptions = {}): AnyModel {
  const partition = o.partition ?? true;
  const m = build(name, partition);
  if (!m) throw new InputError('check.unknownModel', `unknown model "${name}" (one of ${MODEL_NAMES.join(', ')})`);
  return m as unknown as AnyModel;
}

function build(name: string, partition: boolean): unknown {
  switch (name) {
    case 'register': return registerModel({ partition });
    case 'cas-register': return casRegisterModel({ partition });
    case 'etcd': return etcdModel({ partition });
    case 'counter': return counterModel({ partition });
    case 'kv': return partition ? kvModel() : kvNoPartitionModel();
    case 'kv-nopart': return kvNoPartitionModel();
    case 'queue': return queueModel({ partition });
    case 'mutex': return mutexModel();
    case 'multi-register': return multiRegisterModel();
    default: return undefined;
  }
}

/** The model a history's own tool would have used, or the one its operations call for. */
export function defaultModelName(format: HistoryFormat, ops: readonly Operation[]): ModelName {
  if (format === 'jepsen-etcd') return 'etcd';
  if (format === 'porcupine-kv') return 'kv';
  const fs = new Set(ops.map((o) => o.f));
  if (fs.has('get') || fs.has('put') || fs.has('append')) return 'kv';
  if (fs.has('txn')) return 'multi-register';
  if (fs.has('acquire') || fs.has('release')) return 'mutex';
  if (fs.has('send') || fs.has('recv')) return 'queue';
  if (fs.has('fadd')) return 'counter';
  if (fs.has('cas')) return 'cas-register';
  return 'register';
}
