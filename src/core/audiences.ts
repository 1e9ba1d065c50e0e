/**
 * Audiences other services offer for sends to many: a service registers a kind (e.g. the people registered or
 * waitlisted for an event) without the sender knowing that service. Mirrors FileResolvers.
 */
import type { Address, MemberKey } from './message.ts';

export interface AudienceChoice {
  /** What the source needs to find the people again (an event id). */
  key: string;
  /** How staff see it in a list ("运动会（12月6日）"). */
  label: string;
}

export interface AudienceSource {
  /** Names the source in stored broadcasts; keep it stable. */
  kind: string;
  /** One line for the audience question ("某个活动的报名者"). */
  title: string;
  /** What can be picked now, most relevant first. */
  choices(): Promise<AudienceChoice[]>;
  /** The people behind a choice, with where to write to them (their private chat). */
  members(key: string): Promise<{ member: MemberKey; address: Address }[]>;
}

export class Audiences {
  private readonly sources = new Map<string, AudienceSource>();

  /** Registering a kind again (a service built twice on the same deps) replaces it. */
  register(source: AudienceSource): void {
    this.sources.set(source.kind, source);
  }

  get(kind: string): AudienceSource | undefined {
    return this.sources.get(kind);
  }

  list(): AudienceSource[] {
    return [...this.sources.values()];
  }
}
