// The shipped scheduling files (systemd service + timer, cron line) start a night the CLI
// accepts: every option they pass is one `nightly` has, and the suite they name loads.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSuite } from '../../campaign';
import { runCli } from '../../main';

const DIR = path.join(__dirname, 'schedule');
const ROOT = path.resolve(__dirname, '../../..');

async function nightlyHelp(): Promise<string> {
  let out = '';
  await runCli(['nightly', '--help'], { stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream });
  return out;
}

function nightlyArgs(line: string): string[] {
  const args = line.split(/\s+/);
  const at = args.indexOf('nightly');
  expect(at).toBeGreaterThan(0);
  return args.slice(at + 1).filter((a) => !/^(>>|2>&1|\/var\/log)/.test(a));
}

test.each([
  ['rdma-chaos-nightly.service', /^ExecStart=(.*)$/m],
  ['rdma-chaos-nightly.cron', /^[0-9*]+ [0-9*]+ \* \* \* root (.*)$/m],
])('%s starts a night the CLI accepts', async (file, re) => {
  const line = re.exec(fs.readFileSync(path.join(DIR, file), 'utf8'))?.[1];
  expect(line).toBeDefined();
  const args = nightlyArgs(line!);
  const help = await nightlyHelp();
  for (const opt of args.filter((a) => a.startsWith('--'))) expect({ opt, known: help.includes(`${opt} `) || help.includes(`${opt}\n`) }).toEqual({ opt, known: true });
  // the suite argument, relative to the checkout the unit runs in
  expect(loadSuite(path.join(ROOT, args[0]!)).name).toBe('nightly');
});

test('systemd accepts the units', () => {
  let analyze: string | undefined;
  try {
    analyze = execFileSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).trim();
  } catch {
    /* not on this machine */
  }
  if (!analyze) return void process.stderr.write('systemd-analyze not found: unit syntax not checked\n');
  const out = execFileSync(analyze, ['verify', '--man=false', path.join(DIR, 'rdma-chaos-nightly.service'), path.join(DIR, 'rdma-chaos-nightly.timer')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out).not.toMatch(/unknown|invalid|failed/i);
});
