// Loads the native verbs binding once. Every candidate location is tried and every failure is
// reported together in one actionable message. The fake binding is only ever used when asked
// for explicitly (RDMA_BINDING=fake), never as a silent fallback.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../harness/core';
import { RdmaError } from '../errors';
import type { NativeBinding } from './native';

export const BINDING_FILE = 'rdma_verbs.node';

let loaded: NativeBinding | undefined;
let loadedFrom: string | undefined;

/** Where a build or a shipped agent puts the .node file, most specific first. */
export function bindingCandidates(): string[] {
  const out: string[] = [];
  const env = process.env.RDMA_BINDING_PATH;
  if (env) out.push(path.resolve(env));
  // a shipped agent: the .node sits next to the bundled agent script
  out.push(path.join(__dirname, BINDING_FILE));
  // source tree (agents/verbs) and compiled tree (dist/agents/verbs)
  for (const kind of ['Release', 'Debug']) {
    out.push(path.resolve(__dirname, '../native/build', kind, BINDING_FILE));
    out.push(path.resolve(__dirname, '../../../agents/native/build', kind, BINDING_FILE));
  }
  return [...new Set(out)];
}

/** `candidates` replaces the search list (tests of the failure message). */
export function loadBinding(candidates?: readonly string[]): NativeBinding {
  if (loaded && !candidates) return loaded;
  if (process.env.RDMA_BINDING === 'fake') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fake = require('./fake') as { createFakeBinding(): NativeBinding };
    loaded = fake.createFakeBinding();
    loadedFrom = 'fake';
  } else {
    const failures: string[] = [];
    for (const p of candidates ?? bindingCandidates()) {
      if (!existsSync(p)) {
        failures.push(`${p}: not found`);
        continue;
      }
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        loaded = require(p) as NativeBinding;
        loadedFrom = p;
        break;
      } catch (e: unknown) {
        failures.push(`${p}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
      }
    }
    if (!loaded) {
      throw new InputError(
        'verbs.bindingMissing',
        `the native verbs binding could not be loaded (tried ${failures.join('; ')}). ` +
          'Build it with `npm run build:native` (needs libibverbs-dev, g++, make and python3: ' +
          '`apt-get install libibverbs-dev g++ make python3`), or set RDMA_BINDING_PATH to a built rdma_verbs.node. ' +
          'Only agents need it; unit tests may set RDMA_BINDING=fake.',
      );
    }
  }
  loaded.initialize(RdmaError);
  return loaded;
}

/** 'fake', the path of the loaded .node, or undefined before the first load */
export function bindingSource(): string | undefined {
  return loadedFrom;
}
