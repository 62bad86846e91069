// Arguments are checked in TypeScript with TypeErrors that name them, before native code runs.
import { Device, allocAligned, allocBatchOps, OP, type QueuePair, type MemoryRegion } from '.';

let qp: QueuePair;
let mr: MemoryRegion;

beforeAll(() => {
  process.env.RDMA_BINDING = 'fake';
  const dev = Device.open('rxe0');
  const pd = dev.allocPd();
  mr = pd.registerMemory(allocAligned(4096));
  qp = pd.createQp(dev.createCq(16), dev.createCq(16), { maxSendWr: 32 });
});
afterAll(() => {
  delete process.env.RDMA_BINDING;
});

test('work requests: unaligned atomics, 64-bit values and out-of-range buffers', () => {
  const local = { mr, offset: 0, length: 8 };
  expect(() => qp.postSend([{ op: 'fadd', wrId: 1n, local, remote: { addr: 4n, rkey: 1 }, add: 1n }])).toThrow(/wrs\[0\]\.remote\.addr must be 8-byte aligned for an atomic/);
  expect(() => qp.postSend([{ op: 'cas', wrId: 1n, local, remote: { addr: 8n, rkey: 1 }, compare: -1n, swap: 0n }])).toThrow(/wrs\[0\]\.compare must fit in 64 unsigned bits/);
  expect(() => qp.postSend([{ op: 'fadd', wrId: 2 ** 53 as unknown as bigint, local, remote: { addr: 8n, rkey: 1 }, add: 1n }])).toThrow(/wrs\[0\]\.wrId must be a bigint/);
  expect(() => qp.postSend([{ op: 'write', wrId: 1n, local: { mr, offset: 4090, length: 16 }, remote: { addr: 0n, rkey: 1 } }])).toThrow(/wrs\[0\]\.local\.length must be an integer in \[0, 6\]/);
  expect(() => qp.postSend([{ op: 'fadd', wrId: 1n, local: { mr, offset: 0, length: 4 }, remote: { addr: 0n, rkey: 1 }, add: 1n }])).toThrow(/local\.length must be 8 for an atomic/);
});

test('connection settings and batches', () => {
  expect(() => qp.connect({ psn: 1, sgidIndex: 1 }, { qpn: 1, psn: 1, gid: '::1' }, { retryCnt: 8 })).toThrow(/retryCnt must be an integer in \[0, 7\], got 8/);
  expect(() => qp.connect({ psn: 1 << 24, sgidIndex: 1 }, { qpn: 1, psn: 1, gid: '::1' })).toThrow(/local psn must be an integer in \[0, 16777215\]/);
  const ops = allocBatchOps(2);
  ops.opcode[1] = OP.cas;
  ops.raddr[1] = 12n;
  expect(() => qp.runBatch({ scratch: mr, depth: 4 }, ops, () => undefined)).toThrow(/atomic op #1 targets unaligned address 0xc/);
  expect(() => qp.runBatch({ scratch: mr, depth: 64, slotSize: 128 }, allocBatchOps(1), () => undefined)).toThrow(/depth must be an integer in \[1, 32\]/);
  expect(() => qp.runBatch({ scratch: mr, depth: 32, slotSize: 256 }, allocBatchOps(1), () => undefined)).toThrow(/32 slots of 256 bytes from offset 0 exceed the scratch region \(4096 bytes\)/);
  const short = { ...allocBatchOps(2), imm: new Uint32Array(1) };
  expect(() => qp.runBatch({ scratch: mr, depth: 8 }, short, () => undefined)).toThrow(/ops\.imm has 1 entries, ops\.opcode has 2/);
});
