// Where the checkout is, whether code runs from source (ts-jest) or from dist/.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function repoRoot(from: string = __dirname): string {
  for (let d = from; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'harness'))) return d;
    if (path.dirname(d) === d) throw new Error(`no rdma-chaos checkout above ${from}`);
  }
}

/** ../shared beside the checkout (the corpus and the reference material) */
export function sharedDir(): string {
  return process.env.RDMA_CHAOS_SHARED ?? path.resolve(repoRoot(), '..', 'shared');
}
