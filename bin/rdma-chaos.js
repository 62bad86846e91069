#!/usr/bin/env node
// Thin launcher: the compiled controller lives in dist/ (built by `npm install` via `prepare`).
require('../dist/harness/main.js').main();
