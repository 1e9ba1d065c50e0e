/** Broadcasts (群发通知): staff send notices to groups and members, paced per platform, scheduled, with reports; members subscribe and leave. */
import { addGaugeSource } from '../../src/core/metrics.ts';
import type { ServiceDefinition } from '../../src/core/service.ts';
import { noticeIntent } from './chat/commands.ts';
import { NOTICE_INTENT } from './chat/form.ts';
import { BroadcastScheduler } from './scheduler.ts';
import { broadcastService } from './service.ts';
import { broadcastsConsole } from './console.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';

const broadcasts: ServiceDefinition = {
  id: 'broadcasts',
  folder: new URL('./', import.meta.url),
  intents: [{ id: NOTICE_INTENT, description: INTENT_DESCRIPTIONS.notice_subscription }],
  create: async (deps) => {
    const svc = broadcastService(deps);
    const scheduler = new BroadcastScheduler(deps, svc);
    svc.useScheduler(scheduler);
    return {
      intents: [await noticeIntent(deps)],
      startWorkers: async () => {
        await scheduler.start();
        // The queue's depth in /metrics, from this process (the one running the scheduler).
        const removeGauge = addGaugeSource('ua_queue_depth', async () => [{ labels: { queue: 'broadcasts' }, value: await scheduler.depth() }]);
        return [scheduler, { stop: async () => removeGauge() }];
      },
      console: broadcastsConsole(svc),
    };
  },
};
export default broadcasts;
