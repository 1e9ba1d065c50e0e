/**
 * The one list of services. Adding a service = adding a folder under intents/ and a line here.
 * The order is the classifier's class order and the order triggers are tried in.
 */
import type { ServiceDefinition } from '../core/service.ts';
import law from '../../intents/law/index.ts';
import claims from '../../intents/claims/index.ts';
import events from '../../intents/events/index.ts';
import help from '../../intents/help/index.ts';
import handoff from '../../intents/handoff/index.ts';
import smalltalk from '../../intents/smalltalk/index.ts';
import broadcasts from '../../intents/broadcasts/index.ts';

export const SERVICES: readonly ServiceDefinition[] = [law, claims, events, help, handoff, broadcasts, smalltalk];
