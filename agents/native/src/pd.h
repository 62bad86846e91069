// ProtectionDomain: ibv_pd of one Context. MRs and QPs are created under it.
#pragma once

#include "common.h"

namespace rdma {

class ProtectionDomain : public Napi::ObjectWrap<ProtectionDomain> {
 public:
  static Napi::Function Init(Napi::Env env);
  static ProtectionDomain* FromValue(Napi::Env env, Napi::Value v);  // throws TypeError / ECLOSED

  explicit ProtectionDomain(const Napi::CallbackInfo& info);

  std::shared_ptr<PdHandle> handle() const { return handle_; }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info);
  std::shared_ptr<PdHandle> handle_;
};

}  // namespace rdma
