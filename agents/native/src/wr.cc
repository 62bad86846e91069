// Work requests: one send WR from its plain spec (the post path and the batch path build them
// the same way), and how many PSNs an op takes on the wire.
#include <arpa/inet.h>

#include "qp.h"

namespace rdma {

bool BuildSendWr(const WrSpec& s, ibv_send_wr* wr, ibv_sge* sge) {
  *wr = ibv_send_wr{};
  sge->addr = s.localAddr;
  sge->length = s.length;
  sge->lkey = s.lkey;
  wr->wr_id = s.wrId;
  wr->sg_list = sge;
  wr->num_sge = s.length > 0 ? 1 : 0;
  wr->send_flags = (s.signaled ? IBV_SEND_SIGNALED : 0) | (s.fence ? IBV_SEND_FENCE : 0) |
                   (s.inlineData ? IBV_SEND_INLINE : 0);
  switch (s.op) {
    case kOpWrite:
    case kOpWriteImm:
      wr->opcode = s.op == kOpWrite ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_WRITE_WITH_IMM;
      wr->wr.rdma.remote_addr = s.remoteAddr;
      wr->wr.rdma.rkey = s.rkey;
      break;
    case kOpRead:
      wr->opcode = IBV_WR_RDMA_READ;
      wr->wr.rdma.remote_addr = s.remoteAddr;
      wr->wr.rdma.rkey = s.rkey;
      break;
    case kOpFetchAdd:
    case kOpCmpSwap:
      wr->opcode = s.op == kOpFetchAdd ? IBV_WR_ATOMIC_FETCH_AND_ADD : IBV_WR_ATOMIC_CMP_AND_SWP;
      wr->wr.atomic.remote_addr = s.remoteAddr;
      wr->wr.atomic.rkey = s.rkey;
      wr->wr.atomic.compare_add = s.compareAdd;
      wr->wr.atomic.swap = s.swap;
      sge->length = 8;
      wr->num_sge = 1;
      break;
    case kOpSend:
      wr->opcode = IBV_WR_SEND;
      break;
    case kOpSendImm:
      wr->opcode = IBV_WR_SEND_WITH_IMM;
      break;
    default:
      return false;
  }
  if (s.op == kOpWriteImm || s.op == kOpSendImm) wr->imm_data = htonl(s.imm);
  return true;
}

uint32_t PsnSpan(uint8_t op, uint32_t length, uint32_t mtu) {
  if (op == kOpFetchAdd || op == kOpCmpSwap || length == 0) return 1;
  return (length + mtu - 1) / mtu;
}

}  // namespace rdma
