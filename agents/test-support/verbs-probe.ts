// Runs inside a SoftRoCE node (bundled and shipped by agents/verbs/verbs.rxe.test.ts): drives the
// binding directly, with no agent, over two QPs on one device (rxe loops them back), and prints
// one JSON report of what it observed. The test asserts on the report.
import { execFileSync } from 'node:child_process';
import { Device, FLAG, allocAligned, allocBatchOps, OP, type Completion, type CompletionQueue, type QueuePair } from '../verbs';

type Report = Record<string, unknown>;

function events(cq: CompletionQueue, n: number, timeoutMs = 10000): Promise<Completion[]> {
  return new Promise((resolve, reject) => {
    const got: Completion[] = [];
    const t = setTimeout(() => {
      cq.stop();
      reject(new Error(`timed out waiting for ${n} completions (got ${got.length})`));
    }, timeoutMs);
    cq.onCompletions((wcs) => {
      got.push(...wcs);
      if (got.length >= n) {
        clearTimeout(t);
        cq.stop();
        resolve(got);
      }
    });
  });
}

/** 32 bytes as the four little-endian words readU64 sees */
function words4(b: Uint8Array): string {
  const v = Buffer.from(b);
  return Array.from({ length: 4 }, (_, w) => v.readBigUInt64LE(8 * w).toString(16).padStart(16, '0')).join(' ');
}

async function main(): Promise<void> {
  const device = process.argv[2] ?? 'rxe0';
  const netdev = process.argv[3];
  const r: Report = {};
  const dev = Device.open(device);
  r.port = dev.queryPort(1);
  const gid = dev.ipv4Gid(1);
  r.gid = gid;
  const pd = dev.allocPd();
  const target = pd.registerMemory(allocAligned(8192));
  const local = pd.registerMemory(allocAligned(1 << 16));
  const mk = (): QueuePair => pd.createQp(dev.createCq(512), dev.createCq(512), { maxSendWr: 256, maxRecvWr: 64 });
  const a = mk();
  const b = mk();
  a.connect({ psn: 100, sgidIndex: gid!.index }, { qpn: b.qpn, psn: 200, gid: gid!.gid }, { retryCnt: 3, timeout: 14 });
  b.connect({ psn: 200, sgidIndex: gid!.index }, { qpn: a.qpn, psn: 100, gid: gid!.gid }, { retryCnt: 3, timeout: 14 });
  r.states = [a.query().state, b.query().state];
  const remote = (off: number) => ({ addr: target.addr + BigInt(off), rkey: target.rkey });
  const slot = (i: number, length = 8) => ({ mr: local, offset: i * 64, length });

  // the event loop keeps running while completions are awaited (libuv watches the channel)
  let ticks = 0;
  const tick = setInterval(() => ticks++, 1);

  target.writeU64(0, 40n);
  let p = events(a.sendCq, 2);
  r.faddPsns = a.postSend([
    { op: 'fadd', wrId: 1n, local: slot(0), remote: remote(0), add: 2n },
    { op: 'fadd', wrId: 2n, local: slot(1), remote: remote(0), add: (1n << 60n) },
  ]);
  let wcs = await p;
  r.fadd = { statuses: wcs.map((w) => [String(w.wrId), w.status, w.opcode]), old: [local.readU64(0).toString(), local.readU64(64).toString()], mem: target.readU64(0).toString() };

  target.writeU64(8, 5n);
  p = events(a.sendCq, 2);
  a.postSend([
    { op: 'cas', wrId: 3n, local: slot(2), remote: remote(8), compare: 5n, swap: 9n },
    { op: 'cas', wrId: 4n, local: slot(3), remote: remote(8), compare: 5n, swap: 11n },
  ]);
  wcs = await p;
  r.cas = { statuses: wcs.map((w) => w.status), old: [local.readU64(128).toString(), local.readU64(192).toString()], mem: target.readU64(8).toString() };

  local.buffer.fill(0xab, 256, 256 + 100);
  p = events(a.sendCq, 2);
  a.postSend([
    { op: 'write', wrId: 5n, local: { mr: local, offset: 256, length: 100 }, remote: remote(1024) },
    { op: 'read', wrId: 6n, local: { mr: local, offset: 512, length: 100 }, remote: remote(1024) },
  ]);
  wcs = await p;
  r.writeRead = { statuses: wcs.map((w) => [w.status, w.opcode, w.byteLen]), remoteBytes: target.buffer.subarray(1024, 1124).every((x) => x === 0xab), readBack: local.buffer.subarray(512, 612).every((x) => x === 0xab) };

  b.postRecv([{ wrId: 70n, local: { mr: local, offset: 4096, length: 64 } }, { wrId: 71n, local: { mr: local, offset: 4160, length: 64 } }]);
  const pr = events(b.recvCq, 2);
  local.buffer.writeBigUInt64LE(0x1122334455667788n, 768);
  p = events(a.sendCq, 2);
  a.postSend([
    { op: 'send', wrId: 7n, local: { mr: local, offset: 768, length: 8 }, imm: 0xfeed },
    { op: 'write', wrId: 8n, local: { mr: local, offset: 768, length: 8 }, remote: remote(2048), imm: 0xbeef },
  ]);
  wcs = await p;
  const rw = await pr;
  r.sendRecv = {
    send: wcs.map((w) => w.status),
    recv: rw.map((w) => ({ wrId: String(w.wrId), status: w.status, opcode: w.opcode, byteLen: w.byteLen, imm: w.imm })),
    payload: local.buffer.readBigUInt64LE(4096).toString(16),
    written: target.readU64(2048).toString(16),
  };

  // the batch path: 2000 FADDs of +1, 64 outstanding, chained posts
  const n = 2000;
  const ops = allocBatchOps(n);
  for (let i = 0; i < n; i++) {
    ops.opcode[i] = OP.fadd;
    ops.raddr[i] = target.addr + 16n;
    ops.rkey[i] = target.rkey;
    ops.value[i] = 1n;
  }
  const old: bigint[] = [];
  let okCount = 0;
  const summary = await a.runBatch({ scratch: local, slotOffset: 8192, depth: 64, chunkOps: 256 }, ops, (c) => {
    for (let k = 0; k < c.count; k++) {
      if (c.status[k] === 0) okCount++;
      old.push(c.result[k]!);
    }
  });
  const sorted = [...old].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  r.batch = { ok: okCount, posted: summary.posted, mem: target.readU64(16).toString(), oldIsPermutation: sorted.every((v, i) => v === BigInt(i)) };

  // payloads of their own: three 32-byte WRITEs of bytes that are no repeated value, then
  // READs of 32 bytes that hand them back, and one plain 8-byte READ among them
  const blocks = [0, 1, 2].map((b) => Uint8Array.from({ length: 32 }, (_, i) => (b * 71 + i * 13 + 5) & 0xff));
  const put = allocBatchOps(3);
  put.data = new Uint8Array(96);
  put.dataOff = new Uint32Array(3);
  blocks.forEach((blk, b) => {
    put.opcode[b] = OP.write;
    put.flags[b] = FLAG.data;
    put.raddr[b] = target.addr + BigInt(4096 + 32 * b);
    put.rkey[b] = target.rkey;
    put.len[b] = 32;
    put.data!.set(blk, 32 * b);
    put.dataOff![b] = 32 * b;
  });
  const putSummary = await a.runBatch({ scratch: local, slotOffset: 8192, depth: 4 }, put, () => undefined);
  const words = (off: number) => Array.from({ length: 4 }, (_, w) => target.readU64(off + 8 * w).toString(16).padStart(16, '0')).join(' ');
  const get = allocBatchOps(4);
  get.data = new Uint8Array(96);
  get.dataOff = Uint32Array.from([0, 0, 32, 64]);
  [2, -1, 1, 0].forEach((b, k) => {
    get.opcode[k] = OP.read;
    get.raddr[k] = target.addr + BigInt(b < 0 ? 16 : 4096 + 32 * b);
    get.rkey[k] = target.rkey;
    get.len[k] = b < 0 ? 8 : 32;
    if (b >= 0) get.flags[k] = FLAG.data;
  });
  const got: string[] = [];
  let plain = '';
  await a.runBatch({ scratch: local, slotOffset: 8192, depth: 4 }, get, (c) => {
    const bytes = Buffer.from(c.bytes ?? new Uint8Array());
    let at = 0;
    for (let k = 0; k < c.count; k++) {
      if (c.status[k] !== 0) continue;
      if (c.start + k === 1) plain = c.result[k]!.toString();
      else got.push(bytes.subarray(at, (at += 32)).toString('hex'));
    }
  });
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  r.payload = {
    written: putSummary.completed,
    inMemory: [0, 1, 2].map((b) => words(4096 + 32 * b) === words4(blocks[b]!)),
    readBack: got.join(',') === [hex(blocks[2]!), hex(blocks[1]!), hex(blocks[0]!)].join(','),
    plain,
  };

  // a forced QP error while a paced batch runs: outstanding WRs flush, the rest is never posted
  const m = 400;
  const slow = allocBatchOps(m);
  for (let i = 0; i < m; i++) {
    slow.opcode[i] = OP.fadd;
    slow.raddr[i] = target.addr + 24n;
    slow.rkey[i] = target.rkey;
    slow.value[i] = 1n;
  }
  const statuses = new Map<number, number>();
  const running = a.runBatch({ scratch: local, slotOffset: 8192, depth: 32, rate: 200 }, slow, (c) => {
    for (let k = 0; k < c.count; k++) statuses.set(c.status[k]!, (statuses.get(c.status[k]!) ?? 0) + 1);
  });
  await new Promise((ok) => setTimeout(ok, 300));
  a.toError();
  const s2 = await running;
  r.forced = { statuses: Object.fromEntries(statuses), firstError: s2.firstError, state: a.query().state, executed: target.readU64(24).toString() };
  // posting on a QP in ERR: accepted, and flushed
  p = events(a.sendCq, 1);
  a.postSend([{ op: 'fadd', wrId: 9n, local: slot(5), remote: remote(24), add: 1n }]);
  r.postOnErr = (await p).map((w) => w.status);

  // async events: the port goes down and comes back with its netdev
  if (netdev) {
    const seen: string[] = [];
    dev.onAsyncEvent((e) => seen.push(e.type));
    execFileSync('ip', ['link', 'set', netdev, 'down']);
    await new Promise((ok) => setTimeout(ok, 1500));
    execFileSync('ip', ['link', 'set', netdev, 'up']);
    for (let i = 0; i < 100 && !seen.includes('IBV_EVENT_PORT_ACTIVE'); i++) await new Promise((ok) => setTimeout(ok, 100));
    dev.offAsyncEvents();
    r.async = seen;
  }
  clearInterval(tick);
  r.ticks = ticks;
  process.stdout.write(JSON.stringify(r) + '\n');
  a.close();
  b.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ error: e instanceof Error ? `${e.name}: ${e.message} [${(e as { code?: string }).code}]` : String(e) }) + '\n');
  process.exit(1);
});
