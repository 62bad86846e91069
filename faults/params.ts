// Parameter pieces shared by fault kinds.
import { z } from 'zod';

export const Percent = z.number().min(0, 'a rate is a percentage from 0 to 100').max(100, 'a rate is a percentage from 0 to 100');
export const Rails = z.array(z.number().int().min(0).max(15)).min(1).optional();
