#include "mr.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "pd.h"

namespace rdma {

Napi::Function MemoryRegion::Init(Napi::Env env) {
  return DefineClass(env, "MemoryRegion",
                     {InstanceAccessor<&MemoryRegion::Lkey>("lkey"), InstanceAccessor<&MemoryRegion::Rkey>("rkey"),
                      InstanceAccessor<&MemoryRegion::Addr>("addr"),
                      InstanceAccessor<&MemoryRegion::Length>("length"),
                      InstanceMethod<&MemoryRegion::Close>("close")});
}

MemoryRegion* MemoryRegion::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kMrTag)) {
    ThrowType(env, "expected a MemoryRegion");
    return nullptr;
  }
  MemoryRegion* mr = Unwrap(v.As<Napi::Object>());
  if (!mr->handle_) {
    ThrowRdma(env, "memory region is closed", "ECLOSED");
    return nullptr;
  }
  return mr;
}

Napi::Value MemoryRegion::AllocAligned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t size = 0;
  if (!ReadU32(env, info[0], "size", &size)) return env.Undefined();
  if (size == 0) {
    ThrowType(env, "allocAligned(size): size must be positive");
    return env.Undefined();
  }
  void* p = nullptr;
  if (posix_memalign(&p, 4096, size) != 0) {
    ThrowErrno(env, "posix_memalign", ENOMEM);
    return env.Undefined();
  }
  memset(p, 0, size);
  Napi::MemoryManagement::AdjustExternalMemory(env, size);
  return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(p), size, [size](Napi::Env e, uint8_t* d) {
    free(d);
    Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(size));
  });
}

// MemoryRegion(pd, buffer, accessFlags)
MemoryRegion::MemoryRegion(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MemoryRegion>(info) {
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().TypeTag(&kMrTag);
  ProtectionDomain* pd = ProtectionDomain::FromValue(env, info[0]);
  if (pd == nullptr) return;
  if (!info[1].IsBuffer()) {
    ThrowType(env, "MemoryRegion(pd, buffer, access): buffer must be a Buffer");
    return;
  }
  uint32_t access = 0;
  if (!ReadU32(env, info[2], "access", &access)) return;
  Napi::Buffer<uint8_t> buf = info[1].As<Napi::Buffer<uint8_t>>();
  if (buf.Length() == 0) {
    ThrowRdma(env, "cannot register an empty buffer", "EINVAL");
    return;
  }
  if (reinterpret_cast<uintptr_t>(buf.Data()) % 8 != 0) {
    ThrowRdma(env, "buffer is not 8-byte aligned (atomics need it): allocate it with allocAligned()", "EINVAL");
    return;
  }
  ibv_mr* mr = ibv_reg_mr(pd->handle()->pd, buf.Data(), buf.Length(), static_cast<int>(access));
  if (mr == nullptr) {
    ThrowErrno(env, "ibv_reg_mr", errno ? errno : ENOMEM);
    return;
  }
  handle_ = std::make_shared<MrHandle>();
  handle_->pd = pd->handle();
  handle_->mr = mr;
  buffer_ = Napi::Persistent(buf.As<Napi::Object>());
  data_ = buf.Data();
  length_ = buf.Length();
}

Napi::Value MemoryRegion::Lkey(const Napi::CallbackInfo& info) {
  return handle_ ? Napi::Number::New(info.Env(), handle_->mr->lkey) : info.Env().Undefined();
}
Napi::Value MemoryRegion::Rkey(const Napi::CallbackInfo& info) {
  return handle_ ? Napi::Number::New(info.Env(), handle_->mr->rkey) : info.Env().Undefined();
}
Napi::Value MemoryRegion::Addr(const Napi::CallbackInfo& info) {
  return U64(info.Env(), reinterpret_cast<uintptr_t>(data_));
}
Napi::Value MemoryRegion::Length(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), length_); }

Napi::Value MemoryRegion::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (busy_ > 0) {
    ThrowRdma(env, "memory region is in use by a running batch", "EBUSY");
    return env.Undefined();
  }
  handle_.reset();
  buffer_.Reset();
  return env.Undefined();
}

}  // namespace rdma
