export * from './schema';
export { loadCampaign, parseCampaign, type LoadedCampaign } from './load';
export { planRun, describePlan, planJson, type PlanJson, type RunPlan, type PlannedFault, type PlannedProcess, type PlannedWorkload } from './plan';
export { loadSuite, parseSuite, suiteSeed, SuiteSchema, type Seeds, type Suite, type SuiteEntry } from './suite';
