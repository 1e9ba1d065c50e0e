/** One set of claim services per CoreDeps, shared by the three claim intents. */
import { FieldCipher, loadEncryptionKey } from '../../src/core/crypto.ts';
import type { CoreDeps } from '../../src/core/service.ts';
import { DocumentStore, documentsDir } from './documents.ts';
import { ClaimForm } from './form.ts';
import { findPlan, loadPlans, plansPath, type PlansFile } from './plans.ts';
import { ClaimStore } from './store.ts';

export interface ClaimsServices {
  plans: PlansFile;
  cipher: FieldCipher;
  documents: DocumentStore;
  store: ClaimStore;
  form: ClaimForm;
}

const cache = new WeakMap<CoreDeps, ClaimsServices>();

/** Builds (once per deps) the plans, cipher, document store, claim store and form. Throws on bad plans or key. */
export function claimsServices(deps: CoreDeps): ClaimsServices {
  const hit = cache.get(deps);
  if (hit) return hit;
  const plans = loadPlans(plansPath(deps.config.KNOWLEDGE_DIR));
  const cipher = new FieldCipher(loadEncryptionKey(deps.config, deps.logger));
  const documents = new DocumentStore(documentsDir(deps.config), cipher);
  const store = new ClaimStore(deps.redis, deps.keys, cipher, deps.audit, { find: (id) => findPlan(plans, id) });
  const form = new ClaimForm({ plans, cipher, documents, store, resumeHours: deps.config.FORM_RESUME_HOURS, logger: deps.logger });
  const services = { plans, cipher, documents, store, form };
  cache.set(deps, services);
  return services;
}

