// JSON values as the history and results carry them.
import { z } from 'zod';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export const Json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(Json), z.record(z.string(), Json)]),
);
