#include "pd.h"

#include <cerrno>

#include "context.h"

namespace rdma {

Napi::Function ProtectionDomain::Init(Napi::Env env) {
  return DefineClass(env, "ProtectionDomain", {InstanceMethod<&ProtectionDomain::Close>("close")});
}

ProtectionDomain* ProtectionDomain::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kPdTag)) {
    ThrowType(env, "expected a ProtectionDomain");
    return nullptr;
  }
  ProtectionDomain* pd = Unwrap(v.As<Napi::Object>());
  if (!pd->handle_) {
    ThrowRdma(env, "protection domain is closed", "ECLOSED");
    return nullptr;
  }
  return pd;
}

ProtectionDomain::ProtectionDomain(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProtectionDomain>(info) {
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().TypeTag(&kPdTag);
  Context* ctx = Context::FromValue(env, info[0]);
  if (ctx == nullptr) return;
  std::shared_ptr<ContextHandle> ch = ctx->handle();
  if (!ch) {
    ThrowRdma(env, "context is closed", "ECLOSED");
    return;
  }
  ibv_pd* pd = ibv_alloc_pd(ch->ctx);
  if (pd == nullptr) {
    ThrowErrno(env, "ibv_alloc_pd", errno ? errno : ENOMEM);
    return;
  }
  handle_ = std::make_shared<PdHandle>();
  handle_->ctx = ch;
  handle_->pd = pd;
}

Napi::Value ProtectionDomain::Close(const Napi::CallbackInfo& info) {
  handle_.reset();
  return info.Env().Undefined();
}

}  // namespace rdma
