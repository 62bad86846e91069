#include "context.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <vector>

namespace rdma {

Napi::Function Context::Init(Napi::Env env) {
  return DefineClass(env, "Context",
                     {InstanceAccessor<&Context::Name>("name"),
                      InstanceMethod<&Context::QueryDevice>("queryDevice"),
                      InstanceMethod<&Context::QueryPort>("queryPort"),
                      InstanceMethod<&Context::QueryGid>("queryGid"),
                      InstanceMethod<&Context::QueryGidTable>("queryGidTable"),
                      InstanceMethod<&Context::StartAsyncEvents>("startAsyncEvents"),
                      InstanceMethod<&Context::StopAsyncEvents>("stopAsyncEvents"),
                      InstanceMethod<&Context::Close>("close"),
                      StaticMethod<&Context::ListDevices>("listDevices")});
}

Context* Context::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kContextTag)) {
    ThrowType(env, "expected a Context");
    return nullptr;
  }
  return Unwrap(v.As<Napi::Object>());
}

Napi::Value Context::ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = 0;
  ibv_device** list = ibv_get_device_list(&n);
  if (list == nullptr) {
    ThrowErrno(env, "ibv_get_device_list", errno);
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("name", ibv_get_device_name(list[i]));
    char guid[24];
    snprintf(guid, sizeof guid, "%016llx", static_cast<unsigned long long>(be64toh(ibv_get_device_guid(list[i]))));
    d.Set("guid", guid);
    out.Set(i, d);
  }
  ibv_free_device_list(list);
  return out;
}

Context::Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().TypeTag(&kContextTag);
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowType(env, "Context(name): name must be a string");
    return;
  }
  name_ = info[0].As<Napi::String>().Utf8Value();
  int n = 0;
  ibv_device** list = ibv_get_device_list(&n);
  if (list == nullptr) {
    ThrowErrno(env, "ibv_get_device_list", errno);
    return;
  }
  ibv_device* dev = nullptr;
  for (int i = 0; i < n; i++)
    if (name_ == ibv_get_device_name(list[i])) dev = list[i];
  if (dev == nullptr) {
    ibv_free_device_list(list);
    ThrowRdma(env, "no RDMA device named " + name_ + " (" + std::to_string(n) + " devices present)", "ENODEV");
    return;
  }
  ibv_context* ctx = ibv_open_device(dev);
  int err = errno;
  ibv_free_device_list(list);
  if (ctx == nullptr) {
    ThrowErrno(env, "ibv_open_device(" + name_ + ")", err ? err : ENODEV);
    return;
  }
  handle_ = std::make_shared<ContextHandle>();
  handle_->ctx = ctx;
}

Context::~Context() { StopPoll(); }

bool Context::CheckOpen(Napi::Env env) {
  if (handle_) return true;
  ThrowRdma(env, "context " + name_ + " is closed", "ECLOSED");
  return false;
}

Napi::Value Context::Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }

Napi::Value Context::QueryDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  ibv_device_attr a{};
  int rc = ibv_query_device(handle_->ctx, &a);
  if (rc) {
    ThrowErrno(env, "ibv_query_device", rc);
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("fwVer", a.fw_ver);
  o.Set("physPortCnt", a.phys_port_cnt);
  o.Set("maxQp", a.max_qp);
  o.Set("maxQpWr", a.max_qp_wr);
  o.Set("maxSge", a.max_sge);
  o.Set("maxCq", a.max_cq);
  o.Set("maxCqe", a.max_cqe);
  o.Set("maxMr", a.max_mr);
  o.Set("maxQpRdAtom", a.max_qp_rd_atom);
  o.Set("maxQpInitRdAtom", a.max_qp_init_rd_atom);
  o.Set("atomicCap", a.atomic_cap == IBV_ATOMIC_NONE ? "NONE" : a.atomic_cap == IBV_ATOMIC_HCA ? "HCA" : "GLOB");
  return o;
}

Napi::Value Context::QueryPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t port = 0;
  if (!CheckOpen(env) || !ReadU32(env, info[0], "port", &port)) return env.Undefined();
  ibv_port_attr a{};
  int rc = ibv_query_port(handle_->ctx, static_cast<uint8_t>(port), &a);
  if (rc) {
    ThrowErrno(env, "ibv_query_port(" + name_ + ", " + std::to_string(port) + ")", rc);
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", PortStateName(a.state));
  o.Set("physState", a.phys_state);
  o.Set("maxMtu", std::stoi(MtuName(a.max_mtu)));
  o.Set("activeMtu", std::stoi(MtuName(a.active_mtu)));
  o.Set("gidTblLen", a.gid_tbl_len);
  o.Set("lid", a.lid);
  o.Set("linkLayer", a.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" : "InfiniBand");
  return o;
}

// queryGid(port, index) -> {index, gid, type} or null for an empty table entry.
Napi::Value Context::QueryGid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t port = 0, index = 0;
  if (!CheckOpen(env) || !ReadU32(env, info[0], "port", &port) || !ReadU32(env, info[1], "index", &index))
    return env.Undefined();
  ibv_gid_entry e{};
  int rc = ibv_query_gid_ex(handle_->ctx, port, index, &e, 0);
  if (rc == ENODATA || rc == EINVAL) return env.Null();
  if (rc) {
    ThrowErrno(env, "ibv_query_gid_ex", rc);
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", index);
  o.Set("gid", GidToString(e.gid));
  o.Set("type", e.gid_type == IBV_GID_TYPE_ROCE_V2 ? "RoCEv2" : e.gid_type == IBV_GID_TYPE_ROCE_V1 ? "RoCEv1" : "IB");
  return o;
}

// queryGidTable() -> [{port, index, gid, type}] for every populated entry, in one call (rxe
// reports 1024 entries per port: querying them one by one takes seconds in a busy TCG guest).
Napi::Value Context::QueryGidTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  ibv_device_attr da{};
  int rc = ibv_query_device(handle_->ctx, &da);
  if (rc) {
    ThrowErrno(env, "ibv_query_device", rc);
    return env.Undefined();
  }
  size_t max = 0;
  for (uint8_t p = 1; p <= da.phys_port_cnt; p++) {
    ibv_port_attr pa{};
    if (ibv_query_port(handle_->ctx, p, &pa) == 0) max += pa.gid_tbl_len;
  }
  std::vector<ibv_gid_entry> entries(max > 0 ? max : 1);
  ssize_t n = ibv_query_gid_table(handle_->ctx, entries.data(), entries.size(), 0);
  if (n < 0) {
    ThrowErrno(env, "ibv_query_gid_table", static_cast<int>(-n));
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n));
  for (ssize_t i = 0; i < n; i++) {
    const ibv_gid_entry& e = entries[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("port", e.port_num);
    o.Set("index", e.gid_index);
    o.Set("gid", GidToString(e.gid));
    o.Set("type", e.gid_type == IBV_GID_TYPE_ROCE_V2 ? "RoCEv2" : e.gid_type == IBV_GID_TYPE_ROCE_V1 ? "RoCEv1" : "IB");
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// Async events arrive on ctx->async_fd; libuv watches it so nothing blocks the loop.
Napi::Value Context::StartAsyncEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (!info[0].IsFunction()) {
    ThrowType(env, "startAsyncEvents(callback): callback must be a function");
    return env.Undefined();
  }
  if (poll_) {
    ThrowRdma(env, "async events already started", "EBUSY");
    return env.Undefined();
  }
  int fd = handle_->ctx->async_fd;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, fd);
  if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, OnAsyncReadable);
  if (rc) {
    delete poll_;
    poll_ = nullptr;
    ThrowRdma(env, std::string("uv_poll on async fd: ") + uv_strerror(rc), "EIO");
    return env.Undefined();
  }
  // Async events alone should not keep the process alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  asyncCb_ = Napi::Persistent(info[0].As<Napi::Function>());
  asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "rdma.asyncEvents");
  Ref();  // stay alive while libuv holds a pointer to us
  return env.Undefined();
}

void Context::OnAsyncReadable(uv_poll_t* h, int status, int events) {
  Context* self = static_cast<Context*>(h->data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  ibv_async_event ev;
  while (self->handle_ && ibv_get_async_event(self->handle_->ctx, &ev) == 0) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", AsyncEventName(ev.event_type));
    o.Set("device", self->name_);
    switch (ev.event_type) {
      case IBV_EVENT_PORT_ACTIVE:
      case IBV_EVENT_PORT_ERR:
      case IBV_EVENT_LID_CHANGE:
      case IBV_EVENT_PKEY_CHANGE:
      case IBV_EVENT_GID_CHANGE:
      case IBV_EVENT_SM_CHANGE:
      case IBV_EVENT_CLIENT_REREGISTER:
        o.Set("port", ev.element.port_num);
        break;
      case IBV_EVENT_QP_FATAL:
      case IBV_EVENT_QP_REQ_ERR:
      case IBV_EVENT_QP_ACCESS_ERR:
      case IBV_EVENT_COMM_EST:
      case IBV_EVENT_SQ_DRAINED:
      case IBV_EVENT_PATH_MIG:
      case IBV_EVENT_PATH_MIG_ERR:
      case IBV_EVENT_QP_LAST_WQE_REACHED:
        o.Set("qpn", ev.element.qp->qp_num);
        break;
      default:
        break;
    }
    o.Set("timeNs", U64(env, NowNs()));
    ibv_ack_async_event(&ev);
    if (self->poll_ == nullptr) break;
    self->asyncCb_.MakeCallback(env.Global(), {o}, *self->asyncCtx_);
  }
}

void Context::StopPoll() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
  asyncCb_.Reset();
  asyncCtx_.reset();
}

Napi::Value Context::StopAsyncEvents(const Napi::CallbackInfo& info) {
  if (poll_) {
    StopPoll();
    Unref();
  }
  return info.Env().Undefined();
}

// Children hold the handle, so the device really closes once the last PD/CQ is gone.
Napi::Value Context::Close(const Napi::CallbackInfo& info) {
  if (poll_) {
    StopPoll();
    Unref();
  }
  handle_.reset();
  return info.Env().Undefined();
}

}  // namespace rdma
