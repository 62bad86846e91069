// The controller as a library: what the commands do, for programs that drive rdma-chaos
// themselves. The command line is harness/main.ts (bin/rdma-chaos.js); nothing here imports it.
export { loadCampaign, parseCampaign, planRun, type Campaign, type RunPlan } from './campaign';
export { checkHistory, type CheckOptions, type HistoryCheck } from './checkers';
export * from './core';
export { checkRunDir, planStage, runCampaign, type PlanInput, type RunOptions, type RunOutcome } from './run';
