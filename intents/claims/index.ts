/** Mutual-aid claims (互助保障): plan questions, the application form, status, and admin review. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import claimInfo from './chat/claim_info.ts';
import claimStatus from './chat/claim_status.ts';
import claimSubmit from './chat/claim_submit.ts';
import { INTENT_DESCRIPTIONS as D } from './texts.ts';

const claims: ServiceDefinition = {
  id: 'claims',
  folder: new URL('./', import.meta.url),
  intents: [
    { id: 'claim_info', description: D.claim_info },
    { id: 'claim_submit', description: D.claim_submit },
    { id: 'claim_status', description: D.claim_status },
  ],
  create: async (deps) => ({ intents: [await claimInfo(deps), await claimSubmit(deps), await claimStatus(deps)] }),
};
export default claims;
