/** Every intent the bot serves. Adding a service = adding a folder and a line here. */
import type { IntentFactory } from '../src/core/intent.ts';
import claimInfo from './claim_info/index.ts';
import claimStatus from './claim_status/index.ts';
import claimSubmit from './claim_submit/index.ts';
import eventCancel from './event_cancel/index.ts';
import eventList from './event_list/index.ts';
import eventRegister from './event_register/index.ts';
import help from './help/index.ts';
import handoff from './handoff/index.ts';
import laborLaw from './labor_law/index.ts';
import unknown from './unknown/index.ts';

export const INTENT_FACTORIES: IntentFactory[] = [
  help,
  handoff,
  laborLaw,
  claimInfo,
  claimSubmit,
  claimStatus,
  eventList,
  eventRegister,
  eventCancel,
  unknown,
];
