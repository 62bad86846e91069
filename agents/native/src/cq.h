// CompletionQueue: an ibv_cq with its own completion channel. In event mode libuv watches the
// channel fd and hands completions to JS, so waiting never blocks or spins the event loop.
// A batch borrows the CQ exclusively (see batch.h) and polls it from a worker thread.
#pragma once

#include <uv.h>

#include "common.h"

namespace rdma {

class CompletionQueue : public Napi::ObjectWrap<CompletionQueue> {
 public:
  static Napi::Function Init(Napi::Env env);
  static CompletionQueue* FromValue(Napi::Env env, Napi::Value v);  // throws TypeError / ECLOSED

  explicit CompletionQueue(const Napi::CallbackInfo& info);
  ~CompletionQueue() override;

  std::shared_ptr<CqHandle> handle() const { return handle_; }
  bool eventsActive() const { return poll_ != nullptr; }
  bool borrowed() const { return borrowed_; }
  void SetBorrowed(bool b) { borrowed_ = b; }

  static Napi::Object WcToObject(Napi::Env env, const ibv_wc& wc, uint64_t timeNs);

 private:
  Napi::Value Poll(const Napi::CallbackInfo& info);
  Napi::Value StartEvents(const Napi::CallbackInfo& info);
  Napi::Value StopEvents(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool CheckUsable(Napi::Env env);
  void StopPoll();
  static void OnReadable(uv_poll_t* h, int status, int events);

  std::shared_ptr<CqHandle> handle_;
  uv_poll_t* poll_ = nullptr;
  bool borrowed_ = false;
  Napi::FunctionReference cb_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
};

// Off-thread waiting for a borrowed CQ: arm it, poll it once more (a completion that landed
// before arming raises no event), then wait on the channel. Returns 1 when an event was
// consumed, 0 on timeout, -errno on failure.
int ArmCq(CqHandle* cq);
int WaitCqChannel(CqHandle* cq, int timeoutMs);

}  // namespace rdma
