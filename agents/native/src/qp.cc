#include "qp.h"

#include <arpa/inet.h>

#include <cerrno>
#include <vector>

#include "batch.h"
#include "cq.h"
#include "pd.h"

namespace rdma {

Napi::Function QueuePair::Init(Napi::Env env) {
  return DefineClass(env, "QueuePair",
                     {InstanceAccessor<&QueuePair::Qpn>("qpn"), InstanceAccessor<&QueuePair::NextPsn>("nextPsn"),
                      InstanceMethod<&QueuePair::ToInit>("toInit"), InstanceMethod<&QueuePair::ToRtr>("toRtr"),
                      InstanceMethod<&QueuePair::ToRts>("toRts"), InstanceMethod<&QueuePair::ToError>("toError"),
                      InstanceMethod<&QueuePair::Query>("query"), InstanceMethod<&QueuePair::PostSend>("postSend"),
                      InstanceMethod<&QueuePair::PostRecv>("postRecv"),
                      InstanceMethod<&QueuePair::RunBatch>("runBatch"),
                      InstanceMethod<&QueuePair::AbortBatch>("abortBatch"),
                      InstanceMethod<&QueuePair::Close>("close")});
}

// QueuePair(pd, sendCq, recvCq, {maxSendWr, maxRecvWr, maxSendSge, maxRecvSge, maxInlineData})
QueuePair::QueuePair(const Napi::CallbackInfo& info) : Napi::ObjectWrap<QueuePair>(info) {
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().TypeTag(&kQpTag);
  ProtectionDomain* pd = ProtectionDomain::FromValue(env, info[0]);
  if (pd == nullptr) return;
  CompletionQueue* scq = CompletionQueue::FromValue(env, info[1]);
  if (scq == nullptr) return;
  CompletionQueue* rcq = CompletionQueue::FromValue(env, info[2]);
  if (rcq == nullptr) return;
  if (!info[3].IsObject()) {
    ThrowType(env, "QueuePair(pd, sendCq, recvCq, caps): caps must be an object");
    return;
  }
  Napi::Object caps = info[3].As<Napi::Object>();
  ibv_qp_init_attr ia{};
  ia.qp_type = IBV_QPT_RC;
  ia.send_cq = scq->handle()->cq;
  ia.recv_cq = rcq->handle()->cq;
  ia.sq_sig_all = 0;
  if (!ReadOptU32(env, caps, "maxSendWr", 256, &ia.cap.max_send_wr) ||
      !ReadOptU32(env, caps, "maxRecvWr", 256, &ia.cap.max_recv_wr) ||
      !ReadOptU32(env, caps, "maxSendSge", 1, &ia.cap.max_send_sge) ||
      !ReadOptU32(env, caps, "maxRecvSge", 1, &ia.cap.max_recv_sge) ||
      !ReadOptU32(env, caps, "maxInlineData", 0, &ia.cap.max_inline_data))
    return;
  ibv_qp* qp = ibv_create_qp(pd->handle()->pd, &ia);
  if (qp == nullptr) {
    ThrowErrno(env, "ibv_create_qp", errno ? errno : ENOMEM);
    return;
  }
  handle_ = std::make_shared<QpHandle>();
  handle_->pd = pd->handle();
  handle_->sendCq = scq->handle();
  handle_->recvCq = rcq->handle();
  handle_->qp = qp;
}

bool QueuePair::CheckOpen(Napi::Env env) {
  if (handle_) return true;
  ThrowRdma(env, "queue pair is closed", "ECLOSED");
  return false;
}

uint32_t QueuePair::TakePsns(uint32_t n) {
  uint32_t first = nextPsn_;
  nextPsn_ = (nextPsn_ + n) & 0xffffff;
  return first;
}

bool QueuePair::Modify(Napi::Env env, ibv_qp_attr* attr, int mask, const char* what) {
  int rc = ibv_modify_qp(handle_->qp, attr, mask);
  if (rc) {
    ThrowErrno(env, std::string("ibv_modify_qp(") + what + ")", rc);
    return false;
  }
  return true;
}

Napi::Value QueuePair::Qpn(const Napi::CallbackInfo& info) {
  return handle_ ? Napi::Number::New(info.Env(), handle_->qp->qp_num) : info.Env().Undefined();
}

Napi::Value QueuePair::NextPsn(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), nextPsn_); }

// toInit({port, pkeyIndex, access})
Napi::Value QueuePair::ToInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  uint32_t port, pkey, access;
  if (!ReadOptU32(env, o, "port", 1, &port) || !ReadOptU32(env, o, "pkeyIndex", 0, &pkey) ||
      !ReadOptU32(env, o, "access",
                  IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC, &access))
    return env.Undefined();
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.port_num = static_cast<uint8_t>(port);
  a.pkey_index = static_cast<uint16_t>(pkey);
  a.qp_access_flags = access;
  Modify(env, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS, "INIT");
  return env.Undefined();
}

static int MtuEnum(uint32_t bytes) {
  switch (bytes) {
    case 256: return IBV_MTU_256;
    case 512: return IBV_MTU_512;
    case 1024: return IBV_MTU_1024;
    case 2048: return IBV_MTU_2048;
    case 4096: return IBV_MTU_4096;
    default: return 0;
  }
}

// toRtr({destQpn, rqPsn, dgid, sgidIndex, pathMtu, maxDestRdAtomic, minRnrTimer, hopLimit,
//        trafficClass, flowLabel, port}); mask as in the recipe: AV, PATH_MTU, DEST_QPN,
// RQ_PSN, MAX_DEST_RD_ATOMIC, MIN_RNR_TIMER.
Napi::Value QueuePair::ToRtr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (!info[0].IsObject()) {
    ThrowType(env, "toRtr(attrs): attrs must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  uint32_t destQpn, rqPsn, sgid, mtu, maxDest, minRnr, hop, tclass, flow, port;
  if (!ReadU32(env, o.Get("destQpn"), "destQpn", &destQpn) || !ReadU32(env, o.Get("rqPsn"), "rqPsn", &rqPsn) ||
      !ReadOptU32(env, o, "sgidIndex", 1, &sgid) || !ReadOptU32(env, o, "pathMtu", 1024, &mtu) ||
      !ReadOptU32(env, o, "maxDestRdAtomic", 16, &maxDest) || !ReadOptU32(env, o, "minRnrTimer", 12, &minRnr) ||
      !ReadOptU32(env, o, "hopLimit", 64, &hop) || !ReadOptU32(env, o, "trafficClass", 0, &tclass) ||
      !ReadOptU32(env, o, "flowLabel", 0, &flow) || !ReadOptU32(env, o, "port", 1, &port))
    return env.Undefined();
  Napi::Value g = o.Get("dgid");
  ibv_gid dgid;
  if (!g.IsString() || !ParseGid(g.As<Napi::String>().Utf8Value(), &dgid)) {
    ThrowType(env, "toRtr: dgid must be a GID in IPv6 notation, e.g. ::ffff:10.77.0.1");
    return env.Undefined();
  }
  int mtuEnum = MtuEnum(mtu);
  if (mtuEnum == 0) {
    ThrowType(env, "toRtr: pathMtu must be 256, 512, 1024, 2048 or 4096");
    return env.Undefined();
  }
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTR;
  a.path_mtu = static_cast<ibv_mtu>(mtuEnum);
  a.dest_qp_num = destQpn;
  a.rq_psn = rqPsn & 0xffffff;
  a.max_dest_rd_atomic = static_cast<uint8_t>(maxDest);
  a.min_rnr_timer = static_cast<uint8_t>(minRnr);
  a.ah_attr.is_global = 1;
  a.ah_attr.grh.dgid = dgid;
  a.ah_attr.grh.sgid_index = static_cast<uint8_t>(sgid);
  a.ah_attr.grh.hop_limit = static_cast<uint8_t>(hop);
  a.ah_attr.grh.traffic_class = static_cast<uint8_t>(tclass);
  a.ah_attr.grh.flow_label = flow;
  a.ah_attr.port_num = static_cast<uint8_t>(port);
  if (Modify(env, &a,
             IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                 IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER,
             "RTR"))
    mtu_ = mtu;
  return env.Undefined();
}

// toRts({sqPsn, timeout, retryCnt, rnrRetry, maxRdAtomic})
Napi::Value QueuePair::ToRts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (!info[0].IsObject()) {
    ThrowType(env, "toRts(attrs): attrs must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  uint32_t sqPsn, timeout, retry, rnr, maxRd;
  if (!ReadU32(env, o.Get("sqPsn"), "sqPsn", &sqPsn) || !ReadOptU32(env, o, "timeout", 14, &timeout) ||
      !ReadOptU32(env, o, "retryCnt", 7, &retry) || !ReadOptU32(env, o, "rnrRetry", 7, &rnr) ||
      !ReadOptU32(env, o, "maxRdAtomic", 16, &maxRd))
    return env.Undefined();
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTS;
  a.sq_psn = sqPsn & 0xffffff;
  a.timeout = static_cast<uint8_t>(timeout);
  a.retry_cnt = static_cast<uint8_t>(retry);
  a.rnr_retry = static_cast<uint8_t>(rnr);
  a.max_rd_atomic = static_cast<uint8_t>(maxRd);
  if (Modify(env, &a,
             IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
                 IBV_QP_MAX_QP_RD_ATOMIC,
             "RTS"))
    nextPsn_ = a.sq_psn;
  return env.Undefined();
}

// Test and failover helper: every outstanding WR completes with IBV_WC_WR_FLUSH_ERR.
Napi::Value QueuePair::ToError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_ERR;
  Modify(env, &a, IBV_QP_STATE, "ERR");
  return env.Undefined();
}

Napi::Value QueuePair::Query(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  ibv_qp_attr a{};
  ibv_qp_init_attr ia{};
  int rc = ibv_query_qp(handle_->qp, &a,
                        IBV_QP_STATE | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_SQ_PSN |
                            IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC |
                            IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER | IBV_QP_CAP,
                        &ia);
  if (rc) {
    ThrowErrno(env, "ibv_query_qp", rc);
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("qpn", handle_->qp->qp_num);
  o.Set("state", QpStateName(a.qp_state));
  o.Set("pathMtu", std::stoi(MtuName(a.path_mtu)));
  o.Set("destQpn", a.dest_qp_num);
  o.Set("rqPsn", a.rq_psn);
  o.Set("sqPsn", a.sq_psn);
  o.Set("timeout", a.timeout);
  o.Set("retryCnt", a.retry_cnt);
  o.Set("rnrRetry", a.rnr_retry);
  o.Set("maxRdAtomic", a.max_rd_atomic);
  o.Set("maxDestRdAtomic", a.max_dest_rd_atomic);
  o.Set("minRnrTimer", a.min_rnr_timer);
  o.Set("maxSendWr", a.cap.max_send_wr);
  o.Set("maxRecvWr", a.cap.max_recv_wr);
  o.Set("maxInlineData", a.cap.max_inline_data);
  return o;
}

static bool ReadWrSpec(Napi::Env env, Napi::Value v, WrSpec* s) {
  if (!v.IsObject()) {
    ThrowType(env, "each work request must be an object");
    return false;
  }
  Napi::Object o = v.As<Napi::Object>();
  uint32_t op, signaled, fence, inl;
  if (!ReadU32(env, o.Get("opcode"), "opcode", &op) || !ReadOptU64(env, o, "wrId", 0, &s->wrId) ||
      !ReadOptU64(env, o, "localAddr", 0, &s->localAddr) || !ReadOptU32(env, o, "length", 0, &s->length) ||
      !ReadOptU32(env, o, "lkey", 0, &s->lkey) || !ReadOptU64(env, o, "remoteAddr", 0, &s->remoteAddr) ||
      !ReadOptU32(env, o, "rkey", 0, &s->rkey) || !ReadOptU64(env, o, "compareAdd", 0, &s->compareAdd) ||
      !ReadOptU64(env, o, "swap", 0, &s->swap) || !ReadOptU32(env, o, "imm", 0, &s->imm) ||
      !ReadOptU32(env, o, "signaled", 1, &signaled) || !ReadOptU32(env, o, "fence", 0, &fence) ||
      !ReadOptU32(env, o, "inline", 0, &inl))
    return false;
  if (op >= kOpCount) {
    ThrowType(env, "opcode out of range");
    return false;
  }
  s->op = static_cast<uint8_t>(op);
  s->signaled = signaled != 0;
  s->fence = fence != 0;
  s->inlineData = inl != 0;
  return true;
}

// postSend(wrs[]) -> first PSN of each WR. All WRs go in one chained ibv_post_send. On a
// refusal the error carries `posted`: how many WRs (a prefix) did reach the send queue.
Napi::Value QueuePair::PostSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (batch_ != nullptr) {
    ThrowRdma(env, "a batch is running on this queue pair", "EBUSY");
    return env.Undefined();
  }
  if (!info[0].IsArray()) {
    ThrowType(env, "postSend(wrs): wrs must be an array");
    return env.Undefined();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  uint32_t n = arr.Length();
  if (n == 0) return Napi::Array::New(env, 0);
  std::vector<WrSpec> specs(n);
  std::vector<ibv_send_wr> wrs(n);
  std::vector<ibv_sge> sges(n);
  std::vector<uint32_t> psns(n);
  uint32_t firstPsn = nextPsn_;
  for (uint32_t i = 0; i < n; i++) {
    if (!ReadWrSpec(env, arr.Get(i), &specs[i])) return env.Undefined();
    BuildSendWr(specs[i], &wrs[i], &sges[i]);
    wrs[i].next = i + 1 < n ? &wrs[i + 1] : nullptr;
    psns[i] = TakePsns(PsnSpan(specs[i].op, specs[i].length, mtu_));
  }
  ibv_send_wr* bad = nullptr;
  int rc = ibv_post_send(handle_->qp, wrs.data(), &bad);
  if (rc) {
    uint32_t posted = bad ? static_cast<uint32_t>(bad - wrs.data()) : 0;
    RewindPsn(posted < n ? psns[posted] : firstPsn);
    Napi::Object err = MakeRdmaError(env, std::string("ibv_post_send refused WR #") + std::to_string(posted) +
                                              " of " + std::to_string(n) + ": " + strerror(rc),
                                     ErrnoName(rc));
    err.Set("posted", posted);
    Napi::Error(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) out.Set(i, psns[i]);
  return out;
}

// postRecv(wrs[{wrId, localAddr, length, lkey}])
Napi::Value QueuePair::PostRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (!info[0].IsArray()) {
    ThrowType(env, "postRecv(wrs): wrs must be an array");
    return env.Undefined();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  uint32_t n = arr.Length();
  if (n == 0) return env.Undefined();
  std::vector<ibv_recv_wr> wrs(n);
  std::vector<ibv_sge> sges(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) {
      ThrowType(env, "each receive request must be an object");
      return env.Undefined();
    }
    Napi::Object o = v.As<Napi::Object>();
    uint64_t wrId, addr;
    uint32_t len, lkey;
    if (!ReadOptU64(env, o, "wrId", 0, &wrId) || !ReadU64(env, o.Get("localAddr"), "localAddr", &addr) ||
        !ReadU32(env, o.Get("length"), "length", &len) || !ReadU32(env, o.Get("lkey"), "lkey", &lkey))
      return env.Undefined();
    sges[i] = ibv_sge{addr, len, lkey};
    wrs[i] = ibv_recv_wr{};
    wrs[i].wr_id = wrId;
    wrs[i].sg_list = &sges[i];
    wrs[i].num_sge = 1;
    wrs[i].next = i + 1 < n ? &wrs[i + 1] : nullptr;
  }
  ibv_recv_wr* bad = nullptr;
  int rc = ibv_post_recv(handle_->qp, wrs.data(), &bad);
  if (rc) {
    uint32_t posted = bad ? static_cast<uint32_t>(bad - wrs.data()) : 0;
    Napi::Object err = MakeRdmaError(env, std::string("ibv_post_recv refused WR #") + std::to_string(posted) + ": " +
                                              strerror(rc),
                                     ErrnoName(rc));
    err.Set("posted", posted);
    Napi::Error(env, err).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value QueuePair::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (batch_ != nullptr) {
    ThrowRdma(env, "a batch is running on this queue pair", "EBUSY");
    return env.Undefined();
  }
  handle_.reset();
  return env.Undefined();
}

}  // namespace rdma
