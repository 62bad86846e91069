#include "cq.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>

#include <cerrno>

#include "context.h"

namespace rdma {

Napi::Function CompletionQueue::Init(Napi::Env env) {
  return DefineClass(env, "CompletionQueue",
                     {InstanceMethod<&CompletionQueue::Poll>("poll"),
                      InstanceMethod<&CompletionQueue::StartEvents>("startEvents"),
                      InstanceMethod<&CompletionQueue::StopEvents>("stopEvents"),
                      InstanceMethod<&CompletionQueue::Close>("close")});
}

CompletionQueue* CompletionQueue::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kCqTag)) {
    ThrowType(env, "expected a CompletionQueue");
    return nullptr;
  }
  CompletionQueue* cq = Unwrap(v.As<Napi::Object>());
  if (!cq->handle_) {
    ThrowRdma(env, "completion queue is closed", "ECLOSED");
    return nullptr;
  }
  return cq;
}

// CompletionQueue(context, cqe)
CompletionQueue::CompletionQueue(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CompletionQueue>(info) {
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().TypeTag(&kCqTag);
  Context* ctx = Context::FromValue(env, info[0]);
  if (ctx == nullptr) return;
  uint32_t cqe = 0;
  if (!ReadU32(env, info[1], "cqe", &cqe)) return;
  std::shared_ptr<ContextHandle> ch = ctx->handle();
  if (!ch) {
    ThrowRdma(env, "context is closed", "ECLOSED");
    return;
  }
  auto h = std::make_shared<CqHandle>();
  h->ctx = ch;
  h->channel = ibv_create_comp_channel(ch->ctx);
  if (h->channel == nullptr) {
    ThrowErrno(env, "ibv_create_comp_channel", errno ? errno : ENOMEM);
    return;
  }
  int fd = h->channel->fd;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  h->cq = ibv_create_cq(ch->ctx, static_cast<int>(cqe), nullptr, h->channel, 0);
  if (h->cq == nullptr) {
    ThrowErrno(env, "ibv_create_cq", errno ? errno : ENOMEM);
    return;
  }
  handle_ = h;
}

CompletionQueue::~CompletionQueue() { StopPoll(); }

bool CompletionQueue::CheckUsable(Napi::Env env) {
  if (!handle_) {
    ThrowRdma(env, "completion queue is closed", "ECLOSED");
    return false;
  }
  if (borrowed_) {
    ThrowRdma(env, "completion queue is owned by a running batch", "EBUSY");
    return false;
  }
  return true;
}

Napi::Object CompletionQueue::WcToObject(Napi::Env env, const ibv_wc& wc, uint64_t timeNs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("wrId", U64(env, wc.wr_id));
  o.Set("status", WcStatusName(wc.status));
  o.Set("statusCode", static_cast<int>(wc.status));
  // opcode is only defined for successful completions
  o.Set("opcode", wc.status == IBV_WC_SUCCESS ? WcOpcodeName(wc.opcode) : "UNKNOWN");
  o.Set("byteLen", wc.byte_len);
  if (wc.wc_flags & IBV_WC_WITH_IMM) o.Set("imm", ntohl(wc.imm_data));
  o.Set("qpn", wc.qp_num);
  o.Set("srcQp", wc.src_qp);
  o.Set("vendorErr", wc.vendor_err);
  o.Set("timeNs", U64(env, timeNs));
  return o;
}

// poll(max): non-blocking; returns the completions available now.
Napi::Value CompletionQueue::Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t max = 16;
  if (!CheckUsable(env)) return env.Undefined();
  if (!info[0].IsUndefined() && !ReadU32(env, info[0], "max", &max)) return env.Undefined();
  if (max == 0 || max > 4096) max = 16;
  std::vector<ibv_wc> wcs(max);
  int n = ibv_poll_cq(handle_->cq, static_cast<int>(max), wcs.data());
  if (n < 0) {
    ThrowRdma(env, "ibv_poll_cq failed", "EIO");
    return env.Undefined();
  }
  uint64_t t = NowNs();
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) out.Set(i, WcToObject(env, wcs[i], t));
  return out;
}

Napi::Value CompletionQueue::StartEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckUsable(env)) return env.Undefined();
  if (!info[0].IsFunction()) {
    ThrowType(env, "startEvents(callback): callback must be a function");
    return env.Undefined();
  }
  if (poll_) {
    ThrowRdma(env, "events already started on this completion queue", "EBUSY");
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, handle_->channel->fd);
  if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, OnReadable);
  if (rc) {
    delete poll_;
    poll_ = nullptr;
    ThrowRdma(env, std::string("uv_poll on completion channel: ") + uv_strerror(rc), "EIO");
    return env.Undefined();
  }
  cb_ = Napi::Persistent(info[0].As<Napi::Function>());
  asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "rdma.completions");
  Ref();
  int arm = ibv_req_notify_cq(handle_->cq, 0);
  if (arm) {
    StopPoll();
    Unref();
    ThrowErrno(env, "ibv_req_notify_cq", arm);
    return env.Undefined();
  }
  // Completions that arrived before arming would never raise an event: deliver them now.
  uv_poll_t* p = poll_;
  OnReadable(p, 0, UV_READABLE);
  return env.Undefined();
}

void CompletionQueue::OnReadable(uv_poll_t* h, int status, int events) {
  CompletionQueue* self = static_cast<CompletionQueue*>(h->data);
  if (!self->handle_ || self->poll_ != h) return;
  CqHandle* cq = self->handle_.get();
  ibv_cq* evCq = nullptr;
  void* evCtx = nullptr;
  while (ibv_get_cq_event(cq->channel, &evCq, &evCtx) == 0) cq->unacked++;
  if (cq->unacked >= 64) {
    ibv_ack_cq_events(cq->cq, cq->unacked);
    cq->unacked = 0;
  }
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  std::vector<Napi::Value> all;
  ibv_wc wcs[32];
  // Poll, re-arm, poll again: a completion landing between the two would otherwise be missed.
  for (int round = 0; round < 2; round++) {
    int n;
    while ((n = ibv_poll_cq(cq->cq, 32, wcs)) > 0) {
      uint64_t t = NowNs();
      for (int i = 0; i < n; i++) all.push_back(WcToObject(env, wcs[i], t));
    }
    if (round == 0) ibv_req_notify_cq(cq->cq, 0);
  }
  if (all.empty()) return;
  Napi::Array arr = Napi::Array::New(env, all.size());
  for (size_t i = 0; i < all.size(); i++) arr.Set(static_cast<uint32_t>(i), all[i]);
  self->cb_.MakeCallback(env.Global(), {arr}, *self->asyncCtx_);
}

void CompletionQueue::StopPoll() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
  cb_.Reset();
  asyncCtx_.reset();
}

Napi::Value CompletionQueue::StopEvents(const Napi::CallbackInfo& info) {
  if (poll_) {
    StopPoll();
    Unref();
  }
  return info.Env().Undefined();
}

Napi::Value CompletionQueue::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (borrowed_) {
    ThrowRdma(env, "completion queue is owned by a running batch", "EBUSY");
    return env.Undefined();
  }
  if (poll_) {
    StopPoll();
    Unref();
  }
  handle_.reset();
  return env.Undefined();
}

int ArmCq(CqHandle* cq) { return -ibv_req_notify_cq(cq->cq, 0); }

int WaitCqChannel(CqHandle* cq, int timeoutMs) {
  pollfd pfd = {cq->channel->fd, POLLIN, 0};
  int n = poll(&pfd, 1, timeoutMs);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  if (n == 0) return 0;
  ibv_cq* evCq = nullptr;
  void* evCtx = nullptr;
  int got = 0;
  while (ibv_get_cq_event(cq->channel, &evCq, &evCtx) == 0) {
    ibv_ack_cq_events(evCq, 1);
    got = 1;
  }
  return got;
}

}  // namespace rdma
