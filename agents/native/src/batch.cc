#include "batch.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cq.h"
#include "mr.h"
#include "qp.h"

namespace rdma {

BatchWorker::BatchWorker(Napi::Env env, Napi::Object qpObj, QueuePair* qp, Napi::Object cqObj, CompletionQueue* cq,
                         Napi::Object mrObj, MemoryRegion* mr, const BatchOptions& opts,
                         std::vector<BatchOp>&& ops, std::vector<uint8_t>&& data, Napi::Function onProgress)
    : Napi::AsyncProgressQueueWorker<BatchChunk>(env, "rdma.batch"),
      deferred_(Napi::Promise::Deferred::New(env)),
      qpRef_(Napi::Persistent(qpObj)),
      cqRef_(Napi::Persistent(cqObj)),
      mrRef_(Napi::Persistent(mrObj)),
      onProgress_(Napi::Persistent(onProgress)),
      qp_(qp),
      cq_(cq),
      mr_(mr),
      qpH_(qp->handle()),
      cqH_(cq->handle()),
      mrH_(mr->handle()),
      opts_(opts),
      ops_(std::move(ops)),
      data_(std::move(data)) {
  cq_->SetBorrowed(true);
  mr_->Acquire();
}

void BatchWorker::ForceError(int16_t reason) {
  if (forced_) return;
  forced_ = reason;
  forcedAt_ = NowNs();
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_ERR;
  int rc = ibv_modify_qp(qpH_->qp, &a, IBV_QP_STATE);
  if (rc) modifyErrno_ = rc;
}

static void SleepNs(uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1000000000ULL), static_cast<long>(ns % 1000000000ULL)};
  nanosleep(&ts, nullptr);
}

void BatchWorker::Execute(const ExecutionProgress& progress) {
  const uint32_t n = static_cast<uint32_t>(ops_.size());
  res_.assign(n, BatchResult{});
  const uint32_t depth = opts_.depth;
  std::vector<uint16_t> freeSlots;
  for (uint32_t s = depth; s > 0; s--) freeSlots.push_back(static_cast<uint16_t>(s - 1));
  uint8_t* base = mr_->data() + opts_.slotOffset;
  const uint64_t baseAddr = reinterpret_cast<uintptr_t>(base);
  const uint32_t lkey = mrH_->mr->lkey;
  ibv_qp* qp = qpH_->qp;
  ibv_cq* cq = cqH_->cq;
  const uint32_t mtu = qp_->mtu();
  std::vector<ibv_send_wr> wrs(depth);
  std::vector<ibv_sge> sges(depth);
  std::vector<uint32_t> chainIdx(depth);
  ibv_wc wcs[32];

  startNs_ = NowNs();
  const double period = opts_.rate > 0 ? 1e9 / opts_.rate : 0;
  uint32_t next = 0, outstanding = 0, prefix = 0, sent = 0, idle = 0;
  bool stopPosting = false;
  uint64_t lastProgress = startNs_;

  auto sendChunk = [&](uint32_t from, uint32_t to) {
    if (to <= from) return;
    BatchChunk c;
    c.start = from;
    c.res.assign(res_.begin() + from, res_.begin() + to);
    for (uint32_t i = from; i < to; i++) {
      const BatchOp& op = ops_[i];
      if (op.op == kOpRead && (op.flags & kFlagData) && res_[i].status == 0)
        c.bytes.insert(c.bytes.end(), data_.begin() + op.dataOff, data_.begin() + op.dataOff + op.len);
    }
    progress.Send(&c, 1);
  };
  auto handle = [&](int k) {
    uint64_t td = NowNs();
    for (int j = 0; j < k; j++) {
      const ibv_wc& wc = wcs[j];
      uint32_t i = static_cast<uint32_t>(wc.wr_id);
      if (i >= n || res_[i].status != kPending) continue;  // not ours: ignore defensively
      BatchResult& r = res_[i];
      const BatchOp& op = ops_[i];
      if (wc.status == IBV_WC_SUCCESS) {
        r.status = 0;
        const uint8_t* got = base + static_cast<size_t>(r.slot) * opts_.slotSize;
        if (op.op == kOpRead || op.op == kOpFetchAdd || op.op == kOpCmpSwap) memcpy(&r.result, got, 8);
        if (op.op == kOpRead && (op.flags & kFlagData)) memcpy(data_.data() + op.dataOff, got, op.len);
      } else if (forced_) {
        r.status = forced_;
        r.err = wc.status;
      } else {
        r.status = static_cast<int16_t>(wc.status);
      }
      if (r.status != 0 && firstErrorIndex_ < 0) {
        firstErrorIndex_ = i;
        firstErrorStatus_ = wc.status;
      }
      if (r.status != 0) stopPosting = true;
      r.tDone = td;
      freeSlots.push_back(r.slot);
      outstanding--;
      completed_++;
    }
  };

  for (;;) {
    uint64_t now = NowNs();
    if (abort_.load() && !forced_) {
      stopPosting = true;
      if (outstanding > 0) ForceError(kAborted);
    }
    if (!forced_ && opts_.opTimeoutNs && prefix < next && res_[prefix].status == kPending &&
        now - res_[prefix].tPost > opts_.opTimeoutNs) {
      stopPosting = true;
      ForceError(kTimedOut);
    }
    // a QP that will not flush (the ERR transition failed, or the device is gone): give up on
    // its outstanding WRs rather than wait forever; the caller finds the QP unusable
    if (forced_ && outstanding > 0 && now - forcedAt_ > 10000000000ULL) {
      for (uint32_t i = prefix; i < next; i++)
        if (res_[i].status == kPending) res_[i].status = forced_, res_[i].err = modifyErrno_ ? modifyErrno_ : EIO, res_[i].tDone = now;
      outstanding = 0;
    }
    uint64_t wakeAt = 0;
    if (!stopPosting && next < n && outstanding < depth) {
      uint32_t c = 0;
      uint32_t psnMark = 0;
      while (next + c < n && outstanding + c < depth) {
        uint32_t i = next + c;
        const BatchOp& op = ops_[i];
        if ((op.flags & kFlagBarrier) && outstanding + c > 0) break;
        if (period > 0) {
          uint64_t due = startNs_ + static_cast<uint64_t>(period * i);
          if (due > now) {
            wakeAt = due;
            break;
          }
        }
        uint16_t slot = freeSlots.back();
        freeSlots.pop_back();
        uint8_t* local = base + static_cast<size_t>(slot) * opts_.slotSize;
        WrSpec s;
        s.op = op.op;
        s.wrId = i;
        s.localAddr = baseAddr + static_cast<uint64_t>(slot) * opts_.slotSize;
        s.length = (op.op == kOpFetchAdd || op.op == kOpCmpSwap) ? 8 : op.len;
        s.lkey = lkey;
        s.remoteAddr = op.raddr;
        s.rkey = op.rkey;
        s.compareAdd = op.op == kOpCmpSwap ? op.expect : op.value;
        s.swap = op.value;
        s.imm = op.imm;
        s.fence = (op.flags & kFlagFence) != 0;
        if (op.op == kOpRead || op.op == kOpFetchAdd || op.op == kOpCmpSwap) {
          // slots are reused: until the response lands a slot holds an earlier op's result,
          // so a success completion that brought no data would show a plausible stale value;
          // with the poison it shows a value no op wrote, which the checkers flag
          memset(local, 0xff, (op.flags & kFlagData) ? std::max<uint32_t>(8, op.len) : 8);
        } else if ((op.flags & kFlagData) != 0) {
          memcpy(local, data_.data() + op.dataOff, s.length);
        } else if (op.op == kOpWrite || op.op == kOpWriteImm || op.op == kOpSend || op.op == kOpSendImm) {
          // the payload is the 64-bit value repeated: any prefix identifies the op
          for (uint32_t b = 0; b < s.length; b += 8) memcpy(local + b, &op.value, std::min<uint32_t>(8, s.length - b));
        }
        BuildSendWr(s, &wrs[c], &sges[c]);
        wrs[c].next = nullptr;
        if (c > 0) wrs[c - 1].next = &wrs[c];
        uint32_t psn = qp_->TakePsns(PsnSpan(op.op, s.length, mtu));
        if (c == 0) psnMark = psn;
        res_[i].slot = slot;
        res_[i].psn = psn;
        chainIdx[c] = i;
        c++;
      }
      if (c > 0) {
        uint64_t tp = NowNs();
        for (uint32_t j = 0; j < c; j++) {
          res_[chainIdx[j]].tPost = tp;
          res_[chainIdx[j]].status = kPending;
        }
        ibv_send_wr* bad = nullptr;
        int rc = ibv_post_send(qp, wrs.data(), &bad);
        uint32_t ok = c;
        if (rc) {
          ok = bad ? static_cast<uint32_t>(bad - wrs.data()) : 0;
          if (ok > c) ok = 0;
          qp_->RewindPsn(ok < c ? res_[chainIdx[ok]].psn : psnMark);
          for (uint32_t j = ok; j < c; j++) {
            BatchResult& r = res_[chainIdx[j]];
            freeSlots.push_back(r.slot);
            r.status = j == ok ? kPostFailed : kNotPosted;
            r.err = j == ok ? rc : 0;
            r.tDone = tp;
          }
          postErrno_ = rc;
          if (firstErrorIndex_ < 0) {
            firstErrorIndex_ = chainIdx[ok];
            firstErrorStatus_ = -1;
          }
          stopPosting = true;
          next = chainIdx[ok] + 1;  // ops after the refused one stay kNotPosted
        } else {
          next += c;
        }
        outstanding += ok;
        posted_ += ok;
      }
    }

    int k = ibv_poll_cq(cq, 32, wcs);
    if (k < 0) {
      // A broken CQ: nothing more can be learned about the outstanding ops.
      for (uint32_t i = prefix; i < next; i++)
        if (res_[i].status == kPending) res_[i].status = kAborted, res_[i].err = EIO, res_[i].tDone = NowNs();
      outstanding = 0;
      stopPosting = true;
      k = 0;
    }
    if (k > 0) {
      handle(k);
      idle = 0;
    }
    while (prefix < next && res_[prefix].status != kPending) prefix++;
    now = NowNs();
    if (prefix - sent >= opts_.chunkOps || (prefix > sent && now - lastProgress >= opts_.progressNs)) {
      sendChunk(sent, prefix);
      sent = prefix;
      lastProgress = now;
    }
    if (outstanding == 0 && (stopPosting || next >= n)) break;
    if (k > 0) continue;
    if (outstanding > 0) {
      if (++idle < opts_.spin) continue;
      // Nothing for a while: block on the completion channel instead of burning the vCPU.
      ArmCq(cqH_.get());
      k = ibv_poll_cq(cq, 32, wcs);
      if (k > 0) {
        handle(k);
        idle = 0;
        continue;
      }
      int waitMs = 2;
      WaitCqChannel(cqH_.get(), waitMs);
    } else if (wakeAt > now) {
      SleepNs(std::min<uint64_t>(wakeAt - now, 5000000));  // re-check abort at least every 5 ms
    }
  }
  endNs_ = NowNs();
  sendChunk(sent, n);
}

void BatchWorker::OnProgress(const BatchChunk* data, size_t count) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  for (size_t c = 0; c < count; c++) {
    const BatchChunk& ch = data[c];
    size_t m = ch.res.size();
    auto status = Napi::TypedArrayOf<int16_t>::New(env, m);
    auto err = Napi::TypedArrayOf<int32_t>::New(env, m);
    auto slot = Napi::TypedArrayOf<uint16_t>::New(env, m);
    auto psn = Napi::TypedArrayOf<uint32_t>::New(env, m);
    auto result = Napi::TypedArrayOf<uint64_t>::New(env, m, napi_biguint64_array);
    auto tPost = Napi::TypedArrayOf<uint64_t>::New(env, m, napi_biguint64_array);
    auto tDone = Napi::TypedArrayOf<uint64_t>::New(env, m, napi_biguint64_array);
    for (size_t i = 0; i < m; i++) {
      const BatchResult& r = ch.res[i];
      status[i] = r.status;
      err[i] = r.err;
      slot[i] = r.slot;
      psn[i] = r.psn;
      result[i] = r.result;
      tPost[i] = r.tPost;
      tDone[i] = r.tDone;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("start", ch.start);
    o.Set("count", static_cast<uint32_t>(m));
    o.Set("status", status);
    o.Set("err", err);
    o.Set("slot", slot);
    o.Set("psn", psn);
    o.Set("result", result);
    o.Set("tPost", tPost);
    o.Set("tDone", tDone);
    if (!ch.bytes.empty()) {
      auto bytes = Napi::Uint8Array::New(env, ch.bytes.size());
      memcpy(bytes.Data(), ch.bytes.data(), ch.bytes.size());
      o.Set("bytes", bytes);
    }
    onProgress_.Call({o});
    if (env.IsExceptionPending()) {
      // Keep going (the ops are real); the batch promise rejects with this error at the end.
      Napi::Error e = env.GetAndClearPendingException();
      if (!callbackFailed_) {
        callbackFailed_ = true;
        callbackError_ = Napi::Persistent(e.Value());
      }
    }
  }
}

void BatchWorker::Finish() {
  cq_->SetBorrowed(false);
  mr_->Release();
  qp_->BatchEnded();
}

void BatchWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Finish();
  if (callbackFailed_) {
    deferred_.Reject(callbackError_.Value());
    return;
  }
  Napi::Object s = Napi::Object::New(env);
  s.Set("count", static_cast<uint32_t>(ops_.size()));
  s.Set("posted", posted_);
  s.Set("completed", completed_);
  s.Set("firstErrorIndex", static_cast<double>(firstErrorIndex_));
  if (firstErrorIndex_ >= 0)
    s.Set("firstError", firstErrorStatus_ >= 0 ? std::string(WcStatusName(firstErrorStatus_)) : ErrnoName(postErrno_));
  s.Set("forced", forced_ == kTimedOut ? "timeout" : forced_ == kAborted ? "abort" : "none");
  if (modifyErrno_) s.Set("modifyError", ErrnoName(modifyErrno_));
  s.Set("startNs", U64(env, startNs_));
  s.Set("endNs", U64(env, endNs_));
  deferred_.Resolve(s);
}

void BatchWorker::OnError(const Napi::Error& e) {
  Finish();
  deferred_.Reject(e.Value());
}

}  // namespace rdma
