/** What every platform channel gives the app: a way to stop and a status line for /api/status. */
export interface Channel {
  name: string;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}
