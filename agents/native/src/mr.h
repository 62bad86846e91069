// MemoryRegion: a Node Buffer registered with ibv_reg_mr. The region keeps the Buffer alive,
// and refuses to close while a batch is using it as scratch memory.
#pragma once

#include "common.h"

namespace rdma {

class MemoryRegion : public Napi::ObjectWrap<MemoryRegion> {
 public:
  static Napi::Function Init(Napi::Env env);
  static MemoryRegion* FromValue(Napi::Env env, Napi::Value v);  // throws TypeError / ECLOSED
  // allocAligned(size): a zeroed page-aligned Buffer, so 8-byte atomics are always aligned.
  static Napi::Value AllocAligned(const Napi::CallbackInfo& info);

  explicit MemoryRegion(const Napi::CallbackInfo& info);

  std::shared_ptr<MrHandle> handle() const { return handle_; }
  uint8_t* data() const { return data_; }
  size_t length() const { return length_; }
  void Acquire() { busy_++; }
  void Release() { busy_--; }

 private:
  Napi::Value Lkey(const Napi::CallbackInfo& info);
  Napi::Value Rkey(const Napi::CallbackInfo& info);
  Napi::Value Addr(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<MrHandle> handle_;
  Napi::ObjectReference buffer_;
  uint8_t* data_ = nullptr;
  size_t length_ = 0;
  int busy_ = 0;
};

}  // namespace rdma
