#include "common.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <cerrno>
#include <cmath>

namespace rdma {

const napi_type_tag kContextTag = {0x7264616d61637478ULL, 0x0000000000000001ULL};
const napi_type_tag kPdTag = {0x7264616d61637478ULL, 0x0000000000000002ULL};
const napi_type_tag kMrTag = {0x7264616d61637478ULL, 0x0000000000000003ULL};
const napi_type_tag kCqTag = {0x7264616d61637478ULL, 0x0000000000000004ULL};
const napi_type_tag kQpTag = {0x7264616d61637478ULL, 0x0000000000000005ULL};

uint64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<uint64_t>(t.tv_nsec);
}

const char* WcStatusName(int s) {
  static const char* names[] = {
      "IBV_WC_SUCCESS", "IBV_WC_LOC_LEN_ERR", "IBV_WC_LOC_QP_OP_ERR", "IBV_WC_LOC_EEC_OP_ERR",
      "IBV_WC_LOC_PROT_ERR", "IBV_WC_WR_FLUSH_ERR", "IBV_WC_MW_BIND_ERR", "IBV_WC_BAD_RESP_ERR",
      "IBV_WC_LOC_ACCESS_ERR", "IBV_WC_REM_INV_REQ_ERR", "IBV_WC_REM_ACCESS_ERR", "IBV_WC_REM_OP_ERR",
      "IBV_WC_RETRY_EXC_ERR", "IBV_WC_RNR_RETRY_EXC_ERR", "IBV_WC_LOC_RDD_VIOL_ERR",
      "IBV_WC_REM_INV_RD_REQ_ERR", "IBV_WC_REM_ABORT_ERR", "IBV_WC_INV_EECN_ERR",
      "IBV_WC_INV_EEC_STATE_ERR", "IBV_WC_FATAL_ERR", "IBV_WC_RESP_TIMEOUT_ERR", "IBV_WC_GENERAL_ERR",
      "IBV_WC_TM_ERR", "IBV_WC_TM_RNDV_INCOMPLETE"};
  if (s >= 0 && s < static_cast<int>(sizeof(names) / sizeof(names[0]))) return names[s];
  return "IBV_WC_UNKNOWN";
}

const char* WcOpcodeName(int op) {
  switch (op) {
    case IBV_WC_SEND: return "SEND";
    case IBV_WC_RDMA_WRITE: return "RDMA_WRITE";
    case IBV_WC_RDMA_READ: return "RDMA_READ";
    case IBV_WC_COMP_SWAP: return "COMP_SWAP";
    case IBV_WC_FETCH_ADD: return "FETCH_ADD";
    case IBV_WC_BIND_MW: return "BIND_MW";
    case IBV_WC_LOCAL_INV: return "LOCAL_INV";
    case IBV_WC_RECV: return "RECV";
    case IBV_WC_RECV_RDMA_WITH_IMM: return "RECV_RDMA_WITH_IMM";
    default: return "UNKNOWN";
  }
}

const char* QpStateName(int s) {
  switch (s) {
    case IBV_QPS_RESET: return "RESET";
    case IBV_QPS_INIT: return "INIT";
    case IBV_QPS_RTR: return "RTR";
    case IBV_QPS_RTS: return "RTS";
    case IBV_QPS_SQD: return "SQD";
    case IBV_QPS_SQE: return "SQE";
    case IBV_QPS_ERR: return "ERR";
    default: return "UNKNOWN";
  }
}

const char* PortStateName(int s) {
  switch (s) {
    case IBV_PORT_NOP: return "NOP";
    case IBV_PORT_DOWN: return "DOWN";
    case IBV_PORT_INIT: return "INIT";
    case IBV_PORT_ARMED: return "ARMED";
    case IBV_PORT_ACTIVE: return "ACTIVE";
    case IBV_PORT_ACTIVE_DEFER: return "ACTIVE_DEFER";
    default: return "UNKNOWN";
  }
}

const char* AsyncEventName(int e) {
  static const char* names[] = {
      "IBV_EVENT_CQ_ERR", "IBV_EVENT_QP_FATAL", "IBV_EVENT_QP_REQ_ERR", "IBV_EVENT_QP_ACCESS_ERR",
      "IBV_EVENT_COMM_EST", "IBV_EVENT_SQ_DRAINED", "IBV_EVENT_PATH_MIG", "IBV_EVENT_PATH_MIG_ERR",
      "IBV_EVENT_DEVICE_FATAL", "IBV_EVENT_PORT_ACTIVE", "IBV_EVENT_PORT_ERR", "IBV_EVENT_LID_CHANGE",
      "IBV_EVENT_PKEY_CHANGE", "IBV_EVENT_SM_CHANGE", "IBV_EVENT_SRQ_ERR",
      "IBV_EVENT_SRQ_LIMIT_REACHED", "IBV_EVENT_QP_LAST_WQE_REACHED", "IBV_EVENT_CLIENT_REREGISTER",
      "IBV_EVENT_GID_CHANGE", "IBV_EVENT_WQ_FATAL"};
  if (e >= 0 && e < static_cast<int>(sizeof(names) / sizeof(names[0]))) return names[e];
  return "IBV_EVENT_UNKNOWN";
}

const char* MtuName(int mtu) {
  switch (mtu) {
    case IBV_MTU_256: return "256";
    case IBV_MTU_512: return "512";
    case IBV_MTU_1024: return "1024";
    case IBV_MTU_2048: return "2048";
    case IBV_MTU_4096: return "4096";
    default: return "0";
  }
}

std::string ErrnoName(int err) {
  const char* n = strerrorname_np(err);
  return n ? std::string(n) : "E" + std::to_string(err);
}

Napi::Object MakeRdmaError(Napi::Env env, const std::string& message, const std::string& code) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->rdmaError.IsEmpty()) {
    Napi::Object err = data->rdmaError.New({Napi::String::New(env, message), Napi::String::New(env, code)});
    if (!env.IsExceptionPending()) return err;
    env.GetAndClearPendingException();  // a broken constructor must not hide the real error
  }
  // Before initialize(): a plain Error that still carries the code.
  Napi::Error e = Napi::Error::New(env, message + " [" + code + "]");
  e.Set("code", Napi::String::New(env, code));
  return e.Value();
}

void ThrowRdma(Napi::Env env, const std::string& message, const std::string& code) {
  Napi::Error(env, MakeRdmaError(env, message, code)).ThrowAsJavaScriptException();
}

void ThrowErrno(Napi::Env env, const std::string& what, int err) {
  ThrowRdma(env, what + ": " + strerror(err), ErrnoName(err));
}

void ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}

bool ReadU64(Napi::Env env, Napi::Value v, const char* what, uint64_t* out) {
  if (v.IsBigInt()) {
    bool lossless = false;
    *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      ThrowType(env, std::string(what) + " must fit in 64 unsigned bits");
      return false;
    }
    return true;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // Numbers above 2^53 have already lost bits: refuse rather than guess.
    if (d >= 0 && d <= 9007199254740991.0 && std::floor(d) == d) {
      *out = static_cast<uint64_t>(d);
      return true;
    }
  }
  ThrowType(env, std::string(what) + " must be a bigint or a safe non-negative integer");
  return false;
}

bool ReadU32(Napi::Env env, Napi::Value v, const char* what, uint32_t* out) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= 4294967295.0 && std::floor(d) == d) {
      *out = static_cast<uint32_t>(d);
      return true;
    }
  }
  ThrowType(env, std::string(what) + " must be an integer in [0, 2^32)");
  return false;
}

bool ReadOptU32(Napi::Env env, Napi::Object o, const char* key, uint32_t def, uint32_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) {
    *out = def;
    return true;
  }
  return ReadU32(env, v, key, out);
}

bool ReadOptU64(Napi::Env env, Napi::Object o, const char* key, uint64_t def, uint64_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) {
    *out = def;
    return true;
  }
  return ReadU64(env, v, key, out);
}

Napi::Value U64(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

std::string GidToString(const ibv_gid& gid) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, gid.raw, buf, sizeof buf) == nullptr) return "";
  return buf;
}

bool ParseGid(const std::string& s, ibv_gid* gid) { return inet_pton(AF_INET6, s.c_str(), gid->raw) == 1; }

ContextHandle::~ContextHandle() {
  if (ctx) ibv_close_device(ctx);
}
PdHandle::~PdHandle() {
  if (pd) ibv_dealloc_pd(pd);
}
MrHandle::~MrHandle() {
  if (mr) ibv_dereg_mr(mr);
}
CqHandle::~CqHandle() {
  if (cq) {
    if (unacked) ibv_ack_cq_events(cq, unacked);
    ibv_destroy_cq(cq);
  }
  if (channel) ibv_destroy_comp_channel(channel);
}
QpHandle::~QpHandle() {
  if (qp) ibv_destroy_qp(qp);
}

}  // namespace rdma
