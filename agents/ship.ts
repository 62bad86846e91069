// How the agent reaches a node: one self-contained JS file (esbuild bundle of agents/agent/main.ts
// with zod and everything else inlined) plus the native rdma_verbs.node, uploaded through the
// NodeDriver into /tmp/rdma-chaos-agent-<content hash>/ on the node and run with the node's own
// `node`. Local-cluster guests share the host's /usr read-only, so node and libibverbs are there;
// ssh/docker nodes need Node 20 and libibverbs1 + rdma-core installed (Debian 12 x86_64, like
// the host the .node was built on).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../harness/core';
import { BINDING_FILE, bindingCandidates } from './verbs';

export const AGENT_SCRIPT = 'rdma-chaos-agent.js';

export interface AgentBundle {
  /** local path of the bundled agent script */
  script: string;
  /** local path of the native binding, when one is built */
  binding: string | undefined;
  /** content hash of both: names the directory on the node */
  hash: string;
}

export function repoRoot(): string {
  let d = __dirname;
  for (let i = 0; i < 6; i++) {
    const pj = path.join(d, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'rdma-chaos') return d;
    d = path.dirname(d);
  }
  throw new InputError('agent.noRepo', `cannot find the rdma-chaos package root above ${__dirname}`);
}

/** Bundle the agent with esbuild into `outDir` (default <repo>/.cache/agent). */
export function buildAgentBundle(outDir?: string): string {
  const root = repoRoot();
  const out = outDir ?? path.join(root, '.cache', 'agent');
  const ts = path.join(root, 'agents', 'agent', 'main.ts');
  const js = path.join(root, 'dist', 'agents', 'agent', 'main.js');
  const entry = existsSync(ts) ? ts : js;
  let esbuild: typeof import('esbuild');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    esbuild = require('esbuild') as typeof import('esbuild');
  } catch {
    throw new InputError('agent.noBundler', 'esbuild is not installed and no prebuilt agent bundle exists: run `npm install` and `npm run build`');
  }
  mkdirSync(out, { recursive: true });
  const outfile = path.join(out, AGENT_SCRIPT);
  esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * The agent bundle to ship: a fresh esbuild bundle when esbuild is available (source checkouts,
 * tests), else the one `npm run build` left in dist/agent/.
 */
export function ensureAgentBundle(): AgentBundle {
  const root = repoRoot();
  let script: string;
  const prebuilt = path.join(root, 'dist', 'agent', AGENT_SCRIPT);
  try {
    script = buildAgentBundle();
  } catch (e) {
    if (!existsSync(prebuilt)) throw e;
    script = prebuilt;
  }
  const built = path.join(root, 'agents', 'native', 'build', 'Release', BINDING_FILE);
  const binding = [built, ...bindingCandidates()].find((p) => existsSync(p) && statSync(p).isFile());
  const h = createHash('sha256').update(readFileSync(script));
  if (binding) h.update(readFileSync(binding));
  return { script, binding, hash: h.digest('hex').slice(0, 12) };
}

export { BINDING_FILE };
