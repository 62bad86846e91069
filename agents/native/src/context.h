// Context: one opened RDMA device (ibv_context), its port/GID queries and its async events.
#pragma once

#include <uv.h>

#include "common.h"

namespace rdma {

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Value ListDevices(const Napi::CallbackInfo& info);
  static Context* FromValue(Napi::Env env, Napi::Value v);  // throws TypeError on mismatch

  explicit Context(const Napi::CallbackInfo& info);
  ~Context() override;

  std::shared_ptr<ContextHandle> handle() const { return handle_; }

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value QueryDevice(const Napi::CallbackInfo& info);
  Napi::Value QueryPort(const Napi::CallbackInfo& info);
  Napi::Value QueryGid(const Napi::CallbackInfo& info);
  Napi::Value QueryGidTable(const Napi::CallbackInfo& info);
  Napi::Value StartAsyncEvents(const Napi::CallbackInfo& info);
  Napi::Value StopAsyncEvents(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool CheckOpen(Napi::Env env);
  void StopPoll();
  static void OnAsyncReadable(uv_poll_t* h, int status, int events);

  std::string name_;
  std::shared_ptr<ContextHandle> handle_;
  uv_poll_t* poll_ = nullptr;  // set while async events are delivered
  Napi::FunctionReference asyncCb_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
};

}  // namespace rdma
