// The state dir lock: exclusive while its holder lives, taken over when the holder died
// (even by SIGKILL), and a clear cluster.busy error when a live holder does not let go.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { identify } from './procs';
import { lockState } from './state';

describe('lockState', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is exclusive: a second taker gets cluster.busy while the first holds it, and the lock after release', async () => {
    const release = await lockState(dir, 'first');
    await expect(lockState(dir, 'second', 300)).rejects.toMatchObject({ code: 'cluster.busy', exitCode: 254 });
    release();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
    const again = await lockState(dir, 'second', 300);
    again();
  });

  it('takes over the lock of a dead holder', async () => {
    // a real process that has exited: its PID and start time no longer name a live process
    const dead = spawnSync('sh', ['-c', 'echo $$; cat /proc/$$/stat'], { encoding: 'utf8' });
    const [pidLine, stat] = dead.stdout.split('\n');
    const starttime = Number(stat!.slice(stat!.lastIndexOf(')') + 2).split(' ')[19]);
    fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: Number(pidLine), starttime, role: 'killed controller', marker: '' }));
    const release = await lockState(dir, 'next', 1000);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8'))).toMatchObject(identify(process.pid, 'next', '')!);
    release();
  });
});
