// npm install on a controller without libibverbs-dev must succeed (the binding is optional);
// an explicit build must fail and say what is missing.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const script = path.join(__dirname, 'native', 'build.js');
const env = { ...process.env, RDMA_CHAOS_VERBS_HEADER: '/nonexistent/verbs.h', RDMA_CHAOS_REQUIRE_NATIVE: '' };

test('the install-time build is optional: a notice, exit 0', () => {
  const r = spawnSync(process.execPath, [script, '--optional', '--force'], { env, encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('native verbs binding not built: libibverbs headers missing: no /nonexistent/verbs.h (apt-get install libibverbs-dev)');
  expect(r.stderr).toContain('the controller works without it');
});

test('an explicit build (or RDMA_CHAOS_REQUIRE_NATIVE=1) fails with the reason', () => {
  const r = spawnSync(process.execPath, [script, '--force'], { env, encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('cannot build the native verbs binding: libibverbs headers missing');
  const strict = spawnSync(process.execPath, [script, '--optional', '--force'], { env: { ...env, RDMA_CHAOS_REQUIRE_NATIVE: '1' }, encoding: 'utf8' });
  expect(strict.status).toBe(1);
});
