export * from './schema';
export { loadCampaign, parseCampaign, type LoadedCampaign } from './load';
export { planRun, describePlan, type RunPlan, type PlannedFault, type PlannedProcess, type PlannedWorkload } from './plan';
