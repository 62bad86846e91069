// Shared plumbing for every verbs object: the RdmaError hand-off, name tables, argument
// helpers, and the refcounted verbs handles that make destruction order independent of the GC.
#pragma once

#include <infiniband/verbs.h>
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace rdma {

// Per-environment state: the TS-defined error class handed over by initialize().
struct AddonData {
  Napi::FunctionReference rdmaError;
};

// Type tags keep Unwrap from reinterpreting a foreign object as one of ours.
extern const napi_type_tag kContextTag;
extern const napi_type_tag kPdTag;
extern const napi_type_tag kMrTag;
extern const napi_type_tag kCqTag;
extern const napi_type_tag kQpTag;

uint64_t NowNs();

const char* WcStatusName(int status);
const char* WcOpcodeName(int opcode);
const char* QpStateName(int state);
const char* PortStateName(int state);
const char* AsyncEventName(int event);
const char* MtuName(int mtu);
std::string ErrnoName(int err);

// All throw a pending JS exception; callers return right after (no C++ exceptions).
void ThrowRdma(Napi::Env env, const std::string& message, const std::string& code);
// Builds the RdmaError without throwing, so callers can attach fields (e.g. `posted`).
Napi::Object MakeRdmaError(Napi::Env env, const std::string& message, const std::string& code);
void ThrowErrno(Napi::Env env, const std::string& what, int err);
void ThrowType(Napi::Env env, const std::string& message);

// Argument readers. Return false after throwing a TypeError naming `what`.
bool ReadU64(Napi::Env env, Napi::Value v, const char* what, uint64_t* out);
bool ReadU32(Napi::Env env, Napi::Value v, const char* what, uint32_t* out);
bool ReadOptU32(Napi::Env env, Napi::Object o, const char* key, uint32_t def, uint32_t* out);
bool ReadOptU64(Napi::Env env, Napi::Object o, const char* key, uint64_t def, uint64_t* out);
Napi::Value U64(Napi::Env env, uint64_t v);

std::string GidToString(const ibv_gid& gid);
bool ParseGid(const std::string& s, ibv_gid* gid);

// Refcounted verbs resources: a child holds its parent's handle, so the parent is destroyed
// last whatever order finalizers run in (at env teardown that order is unspecified).
struct ContextHandle {
  ibv_context* ctx = nullptr;
  ~ContextHandle();
};
struct PdHandle {
  std::shared_ptr<ContextHandle> ctx;
  ibv_pd* pd = nullptr;
  ~PdHandle();
};
struct MrHandle {
  std::shared_ptr<PdHandle> pd;
  ibv_mr* mr = nullptr;
  ~MrHandle();
};
struct CqHandle {
  std::shared_ptr<ContextHandle> ctx;
  ibv_comp_channel* channel = nullptr;
  ibv_cq* cq = nullptr;
  unsigned unacked = 0;  // CQ events read but not yet acknowledged
  ~CqHandle();
};
struct QpHandle {
  std::shared_ptr<PdHandle> pd;
  std::shared_ptr<CqHandle> sendCq;
  std::shared_ptr<CqHandle> recvCq;
  ibv_qp* qp = nullptr;
  ~QpHandle();
};

}  // namespace rdma
