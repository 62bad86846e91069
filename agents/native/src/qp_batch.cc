// The batch path's entry points on a queue pair: runBatch checks its arguments, copies them
// into the worker's plain baton and starts it; abortBatch asks a running one to stop.
#include <cerrno>
#include <cstring>

#include "batch.h"
#include "cq.h"
#include "mr.h"
#include "qp.h"

namespace rdma {

// runBatch(cq, mr, opts, ops, onProgress) -> Promise<summary>
Napi::Value QueuePair::RunBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (batch_ != nullptr) {
    ThrowRdma(env, "a batch is already running on this queue pair", "EBUSY");
    return env.Undefined();
  }
  CompletionQueue* cq = CompletionQueue::FromValue(env, info[0]);
  if (cq == nullptr) return env.Undefined();
  MemoryRegion* mr = MemoryRegion::FromValue(env, info[1]);
  if (mr == nullptr) return env.Undefined();
  if (cq->handle() != handle_->sendCq) {
    ThrowRdma(env, "runBatch: cq must be this queue pair's send CQ", "EINVAL");
    return env.Undefined();
  }
  if (cq->eventsActive() || cq->borrowed()) {
    ThrowRdma(env, "runBatch: the send CQ is in event mode or in use; stop its events first", "EBUSY");
    return env.Undefined();
  }
  if (mr->handle()->pd != handle_->pd) {
    ThrowRdma(env, "runBatch: the scratch memory region belongs to another protection domain", "EINVAL");
    return env.Undefined();
  }
  if (!info[2].IsObject() || !info[3].IsObject() || !info[4].IsFunction()) {
    ThrowType(env, "runBatch(cq, mr, opts, ops, onProgress): bad argument types");
    return env.Undefined();
  }
  Napi::Object o = info[2].As<Napi::Object>();
  BatchOptions opts;
  uint32_t timeoutMs = 0, progressMs = 50;
  if (!ReadOptU32(env, o, "slotOffset", 0, &opts.slotOffset) || !ReadOptU32(env, o, "slotSize", 64, &opts.slotSize) ||
      !ReadOptU32(env, o, "depth", 16, &opts.depth) || !ReadOptU32(env, o, "chunkOps", 1024, &opts.chunkOps) ||
      !ReadOptU32(env, o, "spin", 1000, &opts.spin) || !ReadOptU32(env, o, "opTimeoutMs", 0, &timeoutMs) ||
      !ReadOptU32(env, o, "progressMs", 50, &progressMs))
    return env.Undefined();
  Napi::Value rate = o.Get("rate");
  if (rate.IsNumber()) opts.rate = rate.As<Napi::Number>().DoubleValue();
  opts.opTimeoutNs = static_cast<uint64_t>(timeoutMs) * 1000000ULL;
  opts.progressNs = static_cast<uint64_t>(progressMs) * 1000000ULL;
  if (opts.depth == 0 || opts.depth > 65535 || opts.slotSize < 8 || opts.slotSize % 8 || opts.chunkOps == 0 ||
      opts.slotOffset % 8 ||
      static_cast<uint64_t>(opts.slotOffset) + static_cast<uint64_t>(opts.depth) * opts.slotSize > mr->length()) {
    ThrowRdma(env, "runBatch: depth/slotSize/slotOffset do not fit the scratch memory region", "EINVAL");
    return env.Undefined();
  }
  Napi::Object a = info[3].As<Napi::Object>();
  auto typed = [&](const char* key, napi_typedarray_type t, Napi::TypedArray* out) {
    Napi::Value v = a.Get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t) {
      ThrowType(env, std::string("runBatch: ops.") + key + " has the wrong typed-array type");
      return false;
    }
    *out = v.As<Napi::TypedArray>();
    return true;
  };
  Napi::TypedArray opcode, flags, raddr, rkey, len, value, expect, imm;
  if (!typed("opcode", napi_uint8_array, &opcode) || !typed("flags", napi_uint8_array, &flags) ||
      !typed("raddr", napi_biguint64_array, &raddr) || !typed("rkey", napi_uint32_array, &rkey) ||
      !typed("len", napi_uint32_array, &len) || !typed("value", napi_biguint64_array, &value) ||
      !typed("expect", napi_biguint64_array, &expect) || !typed("imm", napi_uint32_array, &imm))
    return env.Undefined();
  size_t n = opcode.ElementLength();
  for (Napi::TypedArray* t : {&flags, &raddr, &rkey, &len, &value, &expect, &imm})
    if (t->ElementLength() != n) {
      ThrowType(env, "runBatch: every ops array must have the same length");
      return env.Undefined();
    }
  auto opA = opcode.As<Napi::TypedArrayOf<uint8_t>>();
  auto flA = flags.As<Napi::TypedArrayOf<uint8_t>>();
  auto raA = raddr.As<Napi::TypedArrayOf<uint64_t>>();
  auto rkA = rkey.As<Napi::TypedArrayOf<uint32_t>>();
  auto lnA = len.As<Napi::TypedArrayOf<uint32_t>>();
  auto vaA = value.As<Napi::TypedArrayOf<uint64_t>>();
  auto exA = expect.As<Napi::TypedArrayOf<uint64_t>>();
  auto imA = imm.As<Napi::TypedArrayOf<uint32_t>>();
  // optional payloads: data (Uint8Array) and dataOff (Uint32Array), for kFlagData ops
  std::vector<uint8_t> data;
  const uint32_t* dataOff = nullptr;
  Napi::Value dv = a.Get("data");
  if (!dv.IsUndefined()) {
    Napi::TypedArray d, off;
    if (!typed("data", napi_uint8_array, &d) || !typed("dataOff", napi_uint32_array, &off)) return env.Undefined();
    if (off.ElementLength() != n) {
      ThrowType(env, "runBatch: ops.dataOff must have one entry per op");
      return env.Undefined();
    }
    auto dA = d.As<Napi::TypedArrayOf<uint8_t>>();
    data.assign(dA.Data(), dA.Data() + dA.ElementLength());
    dataOff = off.As<Napi::TypedArrayOf<uint32_t>>().Data();
  }
  std::vector<BatchOp> ops(n);
  for (size_t i = 0; i < n; i++) {
    BatchOp& b = ops[i];
    b.op = opA[i];
    b.flags = flA[i];
    b.raddr = raA[i];
    b.rkey = rkA[i];
    b.len = lnA[i];
    b.value = vaA[i];
    b.expect = exA[i];
    b.imm = imA[i];
    // memory safety: the payload is written into the op's slot
    if (b.op >= kOpCount || b.len > opts.slotSize) {
      ThrowRdma(env, "runBatch: op #" + std::to_string(i) + " has a bad opcode or a length above slotSize", "EINVAL");
      return env.Undefined();
    }
    if (b.flags & kFlagData) {
      // memory safety: the payload is read from (a read's bytes written to) data[dataOff, +len)
      b.dataOff = dataOff ? dataOff[i] : 0;
      bool movesBytes = b.op == kOpRead || b.op == kOpWrite || b.op == kOpWriteImm || b.op == kOpSend || b.op == kOpSendImm;
      if (!dataOff || !movesBytes || static_cast<uint64_t>(b.dataOff) + b.len > data.size()) {
        ThrowRdma(env, "runBatch: op #" + std::to_string(i) + " has the data flag but no room in ops.data (or is an atomic)", "EINVAL");
        return env.Undefined();
      }
    }
  }
  auto* w = new BatchWorker(env, info.This().As<Napi::Object>(), this, info[0].As<Napi::Object>(), cq,
                            info[1].As<Napi::Object>(), mr, opts, std::move(ops), std::move(data),
                            info[4].As<Napi::Function>());
  batch_ = w;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value QueuePair::AbortBatch(const Napi::CallbackInfo& info) {
  if (batch_ != nullptr) batch_->Abort();
  return Napi::Boolean::New(info.Env(), batch_ != nullptr);
}

}  // namespace rdma
