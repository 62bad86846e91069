// A jest reporter that ends the output with one line per failed test and its first message
// line: CI keeps only the tail of a long run's log, where the default reporter's last failure
// detail hides which other tests failed and why.
class FailureDigest {
  onRunComplete(_contexts, results) {
    const lines = [];
    for (const file of results.testResults) {
      const rel = file.testFilePath.replace(process.cwd() + '/', '');
      if (file.testExecError) lines.push(`${rel}: ${firstLine(file.testExecError.message)}`);
      for (const t of file.testResults) {
        if (t.status !== 'failed') continue;
        lines.push(`${rel} > ${t.fullName}: ${firstLine(t.failureMessages.join('\n'))}`);
      }
    }
    if (lines.length === 0) return;
    process.stderr.write(`\nfailed tests (${lines.length}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
}

function firstLine(text) {
  // strip colours; the assertion line and what it got are what a reader needs
  const plain = String(text).replace(/\u001b\[[0-9;]*m/g, '');
  const useful = plain.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
  return useful.slice(0, 4).join(' | ').slice(0, 400);
}

module.exports = FailureDigest;
