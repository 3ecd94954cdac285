// Recovery, all the time, on every replica: each subgraph's `recover` for each hosted region,
// every half lease, so that what a replica that died or stalled left half-done is finished
// (or rolled back) within about a lease and a half of its last renewal. Recovery only touches
// lapsed leases (kernel/lease.ts), so replicas running it at once never both act.
import type { Lease } from "../kernel/lease.js";
import type { Logger } from "../kernel/log.js";
import type { MessageContext } from "../kernel/messaging.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";

export class Recovery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly regions: MessageContext[],
    private readonly subgraphs: SubgraphDefinition[],
    private readonly lease: Lease,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.lease.ms / 2);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    for (const ctx of this.regions) {
      for (const sub of this.subgraphs) {
        if (this.stopped) return;
        try {
          await sub.recover?.(ctx);
        } catch (err) {
          this.log.error({ err, region: ctx.region.code, subgraph: sub.name }, "recovery pass failed; it runs again");
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
