/**
 * The deployment files parse and say what the README says: the compose profile runs 3 bot replicas behind a
 * proxy beside Redis; the Kubernetes manifests have the Deployment with both probes, the Service, the
 * ConfigMap and Secret (whose settings the bot accepts) and a PodDisruptionBudget.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.ts';

const root = new URL('../../', import.meta.url).pathname;
// js-yaml comes with the toolchain (eslint); only its loader is used.
const { loadAll } = (await import('js-yaml' as string)) as { loadAll(text: string): unknown[] };
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const k8s: Doc[] = readdirSync(join(root, 'deploy/k8s')).flatMap((f) => loadAll(readFileSync(join(root, 'deploy/k8s', f), 'utf8')) as Doc[]);
const byKind = (kind: string) => k8s.filter((d) => d.kind === kind);

describe('deployment files', () => {
  it('docker compose: the scaled profile runs 3 bot replicas behind nginx, beside Redis', () => {
    const [compose] = loadAll(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as Doc[];
    const scaled = compose!.services['bot-scaled'];
    expect(scaled.profiles).toEqual(['scaled']);
    expect(scaled.deploy.replicas).toBe(3);
    expect(scaled.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(compose!.services.proxy.profiles).toEqual(['scaled']);
    expect(compose!.services.proxy.volumes[0]).toContain('deploy/nginx.conf');
    expect(readFileSync(join(root, 'deploy/nginx.conf'), 'utf8')).toContain('server bot-scaled:3000');
  });

  it('kubernetes: Deployment with liveness and readiness probes, Service, ConfigMap, Secret, PodDisruptionBudget', () => {
    const [deployment] = byKind('Deployment');
    const container = deployment!.spec.template.spec.containers[0];
    expect(deployment!.spec.replicas).toBe(3);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(byKind('Service')[0]!.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
    expect(byKind('PodDisruptionBudget')[0]!.spec.minAvailable).toBe(2);
    const config = { ...byKind('ConfigMap')[0]!.data, DATA_ENCRYPTION_KEY: 'ab'.repeat(32), WEB_API_TOKEN: byKind('Secret')[0]!.stringData.WEB_API_TOKEN };
    const loaded = loadConfig(config);
    expect(loaded.REDIS_CLUSTER_NODES).toHaveLength(3);
    expect(loaded.NODE_ENV).toBe('production');
  });
});
