// The nights of a store, as `rdma-chaos nightly` records them: STORE/nights/<suite>/<night>/
// night.json. One small file a night, read whole on every index build (no cache needed); a
// night.json that does not parse is shown as such and costs the index nothing else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NIGHTS_DIR, NIGHT_FILES, Night } from '../../harness/core';

export interface StoreNights {
  /** suite -> its nights, oldest first */
  suites: Map<string, Night[]>;
  errors: { file: string; error: string }[];
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export function readNights(store: string): StoreNights {
  const out: StoreNights = { suites: new Map(), errors: [] };
  const root = path.join(store, NIGHTS_DIR);
  for (const suite of subdirs(root)) {
    for (const night of subdirs(path.join(root, suite))) {
      const file = path.join(root, suite, night, NIGHT_FILES.night);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // a night directory without its record yet: the suite is starting
      }
      let n: Night;
      try {
        const r = Night.safeParse(JSON.parse(text));
        if (!r.success) throw new Error(`${r.error.issues[0]!.path.map(String).join('.') || '(top level)'}: ${r.error.issues[0]!.message}`);
        n = r.data;
      } catch (e: unknown) {
        out.errors.push({ file, error: (e as Error).message });
        continue;
      }
      let l = out.suites.get(n.suite);
      if (!l) out.suites.set(n.suite, (l = []));
      l.push(n);
    }
  }
  for (const l of out.suites.values()) l.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.night.localeCompare(b.night));
  return out;
}
