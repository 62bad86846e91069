// `node -r harness/cluster/test-support/ts-register.js harness/main.ts ...` runs the CLI from
// source, so tests that must kill a real controller process (SIGKILL mid-boot) test the code
// in the tree, not a possibly stale dist/. Transpile only; type checking is `npm run typecheck`.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTs(module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  module._compile(out.outputText, filename);
};
