// Module entry: registers the verbs classes and `initialize(RdmaError)`, through which the
// TS-defined error class is handed to native (as better-sqlite3 does with SqliteError).
#include "batch.h"
#include "common.h"
#include "context.h"
#include "cq.h"
#include "mr.h"
#include "pd.h"
#include "qp.h"

namespace rdma {

static Napi::Value Initialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    ThrowType(env, "initialize(RdmaError): RdmaError must be a class");
    return env.Undefined();
  }
  env.GetInstanceData<AddonData>()->rdmaError = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

static Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("ACCESS_LOCAL_WRITE", static_cast<uint32_t>(IBV_ACCESS_LOCAL_WRITE));
  c.Set("ACCESS_REMOTE_WRITE", static_cast<uint32_t>(IBV_ACCESS_REMOTE_WRITE));
  c.Set("ACCESS_REMOTE_READ", static_cast<uint32_t>(IBV_ACCESS_REMOTE_READ));
  c.Set("ACCESS_REMOTE_ATOMIC", static_cast<uint32_t>(IBV_ACCESS_REMOTE_ATOMIC));
  c.Set("OP_WRITE", static_cast<uint32_t>(kOpWrite));
  c.Set("OP_WRITE_IMM", static_cast<uint32_t>(kOpWriteImm));
  c.Set("OP_READ", static_cast<uint32_t>(kOpRead));
  c.Set("OP_FETCH_ADD", static_cast<uint32_t>(kOpFetchAdd));
  c.Set("OP_CMP_SWAP", static_cast<uint32_t>(kOpCmpSwap));
  c.Set("OP_SEND", static_cast<uint32_t>(kOpSend));
  c.Set("OP_SEND_IMM", static_cast<uint32_t>(kOpSendImm));
  c.Set("BATCH_NOT_POSTED", static_cast<int32_t>(kNotPosted));
  c.Set("BATCH_POST_FAILED", static_cast<int32_t>(kPostFailed));
  c.Set("BATCH_TIMED_OUT", static_cast<int32_t>(kTimedOut));
  c.Set("BATCH_ABORTED", static_cast<int32_t>(kAborted));
  c.Set("FLAG_BARRIER", static_cast<uint32_t>(kFlagBarrier));
  c.Set("FLAG_FENCE", static_cast<uint32_t>(kFlagFence));
  return c;
}

static Napi::Value StatusName(const Napi::CallbackInfo& info) {
  uint32_t s = 0;
  if (!ReadU32(info.Env(), info[0], "status", &s)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), WcStatusName(static_cast<int>(s)));
}

static Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  uint32_t e = 0;
  if (!ReadU32(info.Env(), info[0], "errno", &e)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), ErrnoName(static_cast<int>(e)));
}

static Napi::Value MonotonicNs(const Napi::CallbackInfo& info) { return U64(info.Env(), NowNs()); }

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("initialize", Napi::Function::New(env, Initialize, "initialize"));
  exports.Set("Context", Context::Init(env));
  exports.Set("ProtectionDomain", ProtectionDomain::Init(env));
  exports.Set("MemoryRegion", MemoryRegion::Init(env));
  exports.Set("CompletionQueue", CompletionQueue::Init(env));
  exports.Set("QueuePair", QueuePair::Init(env));
  exports.Set("allocAligned", Napi::Function::New(env, MemoryRegion::AllocAligned, "allocAligned"));
  exports.Set("wcStatusName", Napi::Function::New(env, StatusName, "wcStatusName"));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoNameJs, "errnoName"));
  exports.Set("monotonicNs", Napi::Function::New(env, MonotonicNs, "monotonicNs"));
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace rdma

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return rdma::InitModule(env, exports); }

NODE_API_MODULE(rdma_verbs, Init)
