/** Mutual-aid claims (互助保障): plan questions, the application form, status, and admin review. */
import { addGaugeSource } from '../../src/core/metrics.ts';
import type { Worker } from '../../src/core/service.ts';
import { CLAIM_KEY_RENAMES, ClaimStore } from './store.ts';
import type { ServiceDefinition } from '../../src/core/service.ts';
import { claimInfo } from './chat/claim_info.ts';
import { claimStatus } from './chat/claim_status.ts';
import { claimSubmit } from './chat/claim_submit.ts';
import type { ClaimsChat } from './chat/commands.ts';
import { ClaimForms } from './form.ts';
import { ClaimsService } from './service.ts';
import { claimsConsole } from './console.ts';
import { INTENT_DESCRIPTIONS as D } from './texts.ts';

const claims: ServiceDefinition = {
  id: 'claims',
  folder: new URL('./', import.meta.url),
  intents: [
    { id: 'claim_info', description: D.claim_info },
    { id: 'claim_submit', description: D.claim_submit },
    { id: 'claim_status', description: D.claim_status },
  ],
  create: async (deps) => {
    const service = new ClaimsService(deps);
    await service.checkKeys();
    const { plans, cipher } = service;
    const forms = new ClaimForms({ plans, cipher, claims: service, resumeHours: deps.config.FORM_RESUME_HOURS });
    const chat: ClaimsChat = { service, forms };
    return {
      intents: [claimInfo(chat), claimSubmit(chat), claimStatus(chat)],
      startWorkers: async () => [service.startSweeper(), service.startAlerts(), claimsGauge(new ClaimStore(deps.redis, deps.keys, deps.logger))],
      console: claimsConsole(service),
    };
  },
  keyRenames: CLAIM_KEY_RENAMES,
};
export default claims;

/** Claims by status in /metrics, from the process running the claims workers (the sizes of the status sets). */
function claimsGauge(store: ClaimStore): Worker {
  const remove = addGaugeSource('ua_claims', async () =>
    Object.entries(await store.countByStatus()).map(([status, value]) => ({ labels: { status }, value })),
  );
  return { stop: async () => remove() };
}
