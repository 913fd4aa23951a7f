import { z } from 'zod';
import { QUOTA_RESOURCES, QuotaLimits, QuotaUpdate } from '../../services/quotas.service';
import { MAX_INT, novaBoolean, repr } from '../validation';

/** Nova's `_common_quota`: an integer or a string of one, -1 (unlimited) to 2^31-1. */
const quotaValue = z.unknown().transform((v, ctx): number => {
  let n: number;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) n = Number(v);
  else {
    ctx.addIssue({ code: 'custom', message: typeof v === 'string' ? `${repr(v)} does not match '^-?[0-9]+$'` : `${repr(v)} is not of type 'integer', 'string'` });
    return z.NEVER;
  }
  if (n < -1) ctx.addIssue({ code: 'custom', message: `${repr(v)} is less than the minimum of -1` });
  else if (n > MAX_INT) ctx.addIssue({ code: 'custom', message: `${repr(v)} is greater than the maximum of ${MAX_INT}` });
  return n;
});

/** PUT /os-quota-sets/{project} at 2.1: `{"quota_set": {<resource>: n, ..., "force"?}}`. */
export const updateQuotaSchema = z
  .object({
    quota_set: z
      .object({ ...Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, quotaValue.optional()])), force: novaBoolean.optional() })
      .strict(),
  })
  .strict()
  .transform(({ quota_set }): QuotaUpdate => {
    const { force, ...limits } = quota_set as Record<string, number | boolean | undefined>;
    return { force: force === true, limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as Partial<QuotaLimits> };
  });
