// BatchWorker: the throughput path. A worker thread posts many operations on one QP (chained
// posts, up to `depth` outstanding, optional rate), polls the send CQ, and records every
// outcome in plain arrays; completed prefixes stream to JS as typed-array chunks. Only this
// keeps the per-op JS crossing (0.34 us under TCG) from capping throughput (see the recipe).
#pragma once

#include <atomic>
#include <vector>

#include "common.h"

namespace rdma {

class QueuePair;
class CompletionQueue;
class MemoryRegion;

// Outcome codes below zero (>= 0 is an ibv_wc_status). Mirrored in agents/verbs/opcodes.ts.
enum BatchStatus : int16_t {
  kNotPosted = -1,   // never handed to the QP (stopped before it)
  kPostFailed = -2,  // ibv_post_send refused it: provably never reached the wire
  kTimedOut = -3,    // outstanding when the op timeout forced the QP to ERR
  kAborted = -4,     // outstanding when abortBatch() forced the QP to ERR
  kPending = -100,   // internal: posted, no completion yet
};

// kFlagData: a write/send takes its payload from the batch's data at dataOff (instead of the
// value repeated), a read hands its bytes back in its chunk's `bytes`
enum BatchFlag : uint8_t { kFlagBarrier = 1, kFlagFence = 2, kFlagData = 4 };

struct BatchOp {
  uint64_t raddr = 0, value = 0, expect = 0;
  uint32_t rkey = 0, len = 0, imm = 0, dataOff = 0;
  uint8_t op = 0, flags = 0;
};

struct BatchResult {
  uint64_t result = 0, tPost = 0, tDone = 0;
  int32_t err = 0;  // errno for kPostFailed, the raw wc status for kTimedOut/kAborted
  uint32_t psn = 0;
  int16_t status = kNotPosted;
  uint16_t slot = 0;
};

struct BatchChunk {
  uint32_t start = 0;
  std::vector<BatchResult> res;
  // the bytes of the chunk's successful kFlagData reads, in op order
  std::vector<uint8_t> bytes;
};

struct BatchOptions {
  uint32_t slotOffset = 0, slotSize = 64, depth = 16, chunkOps = 1024, spin = 1000;
  double rate = 0;  // ops per second, 0 = as fast as possible
  uint64_t opTimeoutNs = 0, progressNs = 50000000;
};

class BatchWorker : public Napi::AsyncProgressQueueWorker<BatchChunk> {
 public:
  BatchWorker(Napi::Env env, Napi::Object qpObj, QueuePair* qp, Napi::Object cqObj, CompletionQueue* cq,
              Napi::Object mrObj, MemoryRegion* mr, const BatchOptions& opts, std::vector<BatchOp>&& ops,
              std::vector<uint8_t>&& data, Napi::Function onProgress);
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Abort() { abort_.store(true); }

 protected:
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const BatchChunk* data, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  void Finish();
  void ForceError(int16_t reason);

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference qpRef_, cqRef_, mrRef_;
  Napi::FunctionReference onProgress_;
  QueuePair* qp_;
  CompletionQueue* cq_;
  MemoryRegion* mr_;
  std::shared_ptr<QpHandle> qpH_;
  std::shared_ptr<CqHandle> cqH_;
  std::shared_ptr<MrHandle> mrH_;
  BatchOptions opts_;
  std::vector<BatchOp> ops_;
  // payloads in, read bytes out (at each kFlagData op's dataOff); a copy, so the worker
  // thread never touches JS memory
  std::vector<uint8_t> data_;
  std::vector<BatchResult> res_;
  std::atomic<bool> abort_{false};
  Napi::ObjectReference callbackError_;
  bool callbackFailed_ = false;
  // summary (written by Execute, read in OnOK)
  int64_t firstErrorIndex_ = -1;
  int firstErrorStatus_ = 0;
  int postErrno_ = 0;
  int16_t forced_ = 0;
  uint64_t forcedAt_ = 0;
  uint64_t startNs_ = 0, endNs_ = 0;
  uint32_t posted_ = 0, completed_ = 0;
  int modifyErrno_ = 0;
};

}  // namespace rdma
