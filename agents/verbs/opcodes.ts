// Operation and outcome codes shared with agents/native (qp.h OpCode, batch.h BatchStatus).
export const OP = {
  write: 0,
  writeImm: 1,
  read: 2,
  fadd: 3,
  cas: 4,
  send: 5,
  sendImm: 6,
} as const;
export type OpName = keyof typeof OP;

/** batch outcome codes below zero; >= 0 is an ibv_wc_status (0 = IBV_WC_SUCCESS) */
export const BATCH = {
  notPosted: -1,
  postFailed: -2,
  timedOut: -3,
  aborted: -4,
} as const;

// data: the op's payload is its own bytes (ops.data), and a read hands its bytes back
export const FLAG = { barrier: 1, fence: 2, data: 4 } as const;

export const WC_SUCCESS = 0;
export const WC_WR_FLUSH_ERR = 5;

export const ACCESS = {
  localWrite: 1,
  remoteWrite: 2,
  remoteRead: 4,
  remoteAtomic: 8,
} as const;
export type AccessName = keyof typeof ACCESS;

export function accessFlags(names: readonly AccessName[]): number {
  let f = 0;
  for (const n of names) {
    const bit = ACCESS[n];
    if (bit === undefined) throw new TypeError(`unknown access flag ${JSON.stringify(n)} (use ${Object.keys(ACCESS).join(', ')})`);
    f |= bit;
  }
  return f;
}

const WC_STATUS = [
  'IBV_WC_SUCCESS', 'IBV_WC_LOC_LEN_ERR', 'IBV_WC_LOC_QP_OP_ERR', 'IBV_WC_LOC_EEC_OP_ERR',
  'IBV_WC_LOC_PROT_ERR', 'IBV_WC_WR_FLUSH_ERR', 'IBV_WC_MW_BIND_ERR', 'IBV_WC_BAD_RESP_ERR',
  'IBV_WC_LOC_ACCESS_ERR', 'IBV_WC_REM_INV_REQ_ERR', 'IBV_WC_REM_ACCESS_ERR', 'IBV_WC_REM_OP_ERR',
  'IBV_WC_RETRY_EXC_ERR', 'IBV_WC_RNR_RETRY_EXC_ERR', 'IBV_WC_LOC_RDD_VIOL_ERR',
  'IBV_WC_REM_INV_RD_REQ_ERR', 'IBV_WC_REM_ABORT_ERR', 'IBV_WC_INV_EECN_ERR',
  'IBV_WC_INV_EEC_STATE_ERR', 'IBV_WC_FATAL_ERR', 'IBV_WC_RESP_TIMEOUT_ERR', 'IBV_WC_GENERAL_ERR',
  'IBV_WC_TM_ERR', 'IBV_WC_TM_RNDV_INCOMPLETE',
] as const;

export function wcStatusName(code: number): string {
  return WC_STATUS[code] ?? 'IBV_WC_UNKNOWN';
}

export function wcStatusCode(name: string): number {
  return (WC_STATUS as readonly string[]).indexOf(name);
}
