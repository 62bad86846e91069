// The plan stage: the campaign (a file, or a stored run to replay) and the one seed -> the plan.
// The seed comes from --seed, else the campaign's `seed:`, else a fresh random one; it is the
// plan's and the stored campaign's, and nothing else seeds anything.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCampaign, planRun, type RunPlan } from '../campaign';
import { InputError, RUN_FILES } from '../core';

export interface PlanInput {
  campaignFile?: string;
  /** a stored run to repeat with the same campaign, schedule and seed */
  replay?: string;
  seed?: number;
  /** overrides the campaign's cluster driver */
  cluster?: string;
}

export function planStage(o: PlanInput): RunPlan {
  let file: string;
  if (o.replay) {
    file = path.join(o.replay, RUN_FILES.campaign);
    if (!fs.existsSync(file)) throw new InputError('run.notARun', `${o.replay}: not a run directory (no ${RUN_FILES.campaign})`);
  } else if (o.campaignFile) file = o.campaignFile;
  else throw new InputError('run.noCampaign', 'give a campaign file or --replay RUN_DIR');
  const { campaign } = loadCampaign(file, { stored: o.replay !== undefined });
  if (o.replay && campaign.seed === undefined) throw new InputError('run.noSeed', `${file}: the stored campaign has no seed`);
  if (o.cluster) campaign.cluster.driver = o.cluster;
  return planRun(campaign, o.seed ?? campaign.seed ?? randomInt(1, 2 ** 31 - 1));
}
