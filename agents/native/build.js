#!/usr/bin/env node
// Builds the native verbs binding with the node-gyp that ships inside npm, offline: headers
// come from the local Node installation (--nodedir), never from the network.
//   node agents/native/build.js             build (unless up to date; --force), fail loudly
//   node agents/native/build.js --optional  (npm install) skip with a notice when the
//                                           toolchain or libibverbs-dev is missing: only
//                                           agents need the binding, the controller does not.
// RDMA_CHAOS_REQUIRE_NATIVE=1 turns --optional back into a hard failure (CI on agent hosts).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const optional = process.argv.includes('--optional') && process.env.RDMA_CHAOS_REQUIRE_NATIVE !== '1';
const here = __dirname;

function give(msg) {
  if (optional) {
    process.stderr.write(`rdma-chaos: native verbs binding not built: ${msg}\n` +
      'rdma-chaos: the controller works without it; agents need it (npm run build:native).\n');
    process.exit(0);
  }
  process.stderr.write(`rdma-chaos: cannot build the native verbs binding: ${msg}\n`);
  process.exit(1);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  // npm's own copy: <prefix>/lib/node_modules/npm/node_modules/node-gyp
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not installed as a package */
  }
  return candidates.find((p) => fs.existsSync(p));
}

function findNodeDir() {
  // headers of the running Node: <prefix>/include/node/node_api.h (Debian/NodeSource: /usr)
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const d of [process.env.npm_config_nodedir, prefix, '/usr', '/usr/local']) {
    if (d && fs.existsSync(path.join(d, 'include/node/node_api.h')) && fs.existsSync(path.join(d, 'include/node/common.gypi'))) return d;
  }
  return undefined;
}

// up to date: skip (npm install runs this every time, and a rebuild removes the .node for ~20 s)
function upToDate() {
  const out = path.join(here, 'build/Release/rdma_verbs.node');
  if (process.argv.includes('--force') || !fs.existsSync(out)) return false;
  const built = fs.statSync(out).mtimeMs;
  const srcDir = path.join(here, 'src');
  const inputs = [path.join(here, 'binding.gyp'), ...fs.readdirSync(srcDir).map((f) => path.join(srcDir, f))];
  return inputs.every((f) => fs.statSync(f).mtimeMs <= built);
}
if (upToDate()) {
  process.stderr.write('rdma-chaos: native verbs binding is up to date\n');
  process.exit(0);
}

const verbsHeader = process.env.RDMA_CHAOS_VERBS_HEADER || '/usr/include/infiniband/verbs.h';
if (!fs.existsSync(verbsHeader)) give(`libibverbs headers missing: no ${verbsHeader} (apt-get install libibverbs-dev)`);
const gyp = findNodeGyp();
if (!gyp) give('node-gyp not found (it ships with npm; or npm i -g node-gyp)');
const nodedir = findNodeDir();
if (!nodedir) give(`Node headers not found next to ${process.execPath} (install the nodejs headers package)`);
let addonApi;
try {
  addonApi = path.dirname(require.resolve('node-addon-api/package.json', { paths: [path.resolve(here, '../..')] }));
} catch {
  give('node-addon-api is not installed (npm install)');
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--directory=${here}`], {
  stdio: optional ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  env: { ...process.env, RDMA_NODE_ADDON_API: addonApi },
});
if (r.status !== 0) give(`node-gyp failed (exit ${r.status}); run \`npm run build:native\` to see why`);
process.stderr.write(`rdma-chaos: built ${path.join(here, 'build/Release/rdma_verbs.node')}\n`);
