// QueuePair: an RC ibv_qp with its INIT -> RTR -> RTS transitions, posting, state query and a
// force-to-ERR helper. runBatch (batch.cc) drives many operations from a worker thread.
#pragma once

#include <atomic>

#include "common.h"

namespace rdma {

// Operation codes shared by postSend and runBatch (mirrored in agents/verbs/opcodes.ts).
enum OpCode : uint8_t {
  kOpWrite = 0,
  kOpWriteImm = 1,
  kOpRead = 2,
  kOpFetchAdd = 3,
  kOpCmpSwap = 4,
  kOpSend = 5,
  kOpSendImm = 6,
  kOpCount = 7,
};

struct WrSpec {
  uint8_t op = kOpWrite;
  bool signaled = true;
  bool fence = false;
  bool inlineData = false;
  uint64_t wrId = 0, localAddr = 0, remoteAddr = 0, compareAdd = 0, swap = 0;
  uint32_t length = 0, lkey = 0, rkey = 0, imm = 0;
};

// Fills wr/sge (sge must outlive the post). Returns false for an unknown opcode.
bool BuildSendWr(const WrSpec& s, ibv_send_wr* wr, ibv_sge* sge);
// PSNs one WR consumes: one per MTU-sized packet (READ: per response packet), atomics one.
uint32_t PsnSpan(uint8_t op, uint32_t length, uint32_t mtu);

class BatchWorker;

class QueuePair : public Napi::ObjectWrap<QueuePair> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit QueuePair(const Napi::CallbackInfo& info);

  std::shared_ptr<QpHandle> handle() const { return handle_; }
  uint32_t TakePsns(uint32_t n);  // returns the first PSN and advances by n (24-bit wrap)
  void RewindPsn(uint32_t psn) { nextPsn_ = psn; }
  uint32_t mtu() const { return mtu_; }
  void BatchEnded() { batch_ = nullptr; }

 private:
  Napi::Value Qpn(const Napi::CallbackInfo& info);
  Napi::Value NextPsn(const Napi::CallbackInfo& info);
  Napi::Value ToInit(const Napi::CallbackInfo& info);
  Napi::Value ToRtr(const Napi::CallbackInfo& info);
  Napi::Value ToRts(const Napi::CallbackInfo& info);
  Napi::Value ToError(const Napi::CallbackInfo& info);
  Napi::Value Query(const Napi::CallbackInfo& info);
  Napi::Value PostSend(const Napi::CallbackInfo& info);
  Napi::Value PostRecv(const Napi::CallbackInfo& info);
  Napi::Value RunBatch(const Napi::CallbackInfo& info);  // batch.cc
  Napi::Value AbortBatch(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool CheckOpen(Napi::Env env);
  bool Modify(Napi::Env env, ibv_qp_attr* attr, int mask, const char* what);

  std::shared_ptr<QpHandle> handle_;
  uint32_t nextPsn_ = 0;
  uint32_t mtu_ = 1024;
  BatchWorker* batch_ = nullptr;  // the running batch, if any (main thread only)
};

}  // namespace rdma
