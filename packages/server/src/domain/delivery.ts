// The simulated delivery channel for communications: after a short delay a
// sent message becomes delivered, or failed when its recipient is in the
// reserved `.invalid` top-level domain (RFC 2606: guaranteed not to exist),
// e.g. "ceo@acme.invalid".
//
// Each delivery is a job (store/jobs-repo.ts) inserted with the message, due
// at create_time + the delay and leased by the accepting instance, which
// settles it from a timer. The settlement removes the job in the same
// transaction and only while this instance holds it, so a message is settled
// exactly once. If the instance crashes, the sweep of any instance claims the
// job once the lease expires; on stop() pending deliveries are handed back.
import type { Db, Queryable } from "../store/db.js";
import { getCommunication, settleCommunication } from "../store/communications-repo.js";
import { finishJob, insertJob, releaseJob, type ClaimedJob } from "../store/jobs-repo.js";
import type { Logger } from "../observability/logger.js";
import type { JobQueue } from "./jobs.js";

const KIND = "delivery";

export function deliveryFailure(recipient: string): string | undefined {
  const domain = recipient.slice(recipient.lastIndexOf("@") + 1).toLowerCase();
  return domain.endsWith(".invalid") || domain === "invalid"
    ? `recipient domain ${domain} does not exist`
    : undefined;
}

export class DeliverySimulator {
  private readonly timers = new Map<string, { tenantId: string; timer: NodeJS.Timeout }>();
  private readonly tasks = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly delayMs: number,
    private readonly log: Logger,
    private readonly jobs: JobQueue,
  ) {
    jobs.on(KIND, (job) => this.resume(job));
  }

  /** In the transaction that inserts the message: its delivery job, due after the delay, leased here. */
  claimNew(tx: Queryable, tenantId: string, messageId: string): Promise<void> {
    return insertJob(tx, { kind: KIND, id: messageId, tenantId, owner: this.jobs.owner, delayMs: this.delayMs });
  }

  /** After the message (and its job) committed: settles it when due. */
  schedule(tenantId: string, messageId: string): void {
    if (this.stopped) {
      this.track(this.release(tenantId, messageId));
      return;
    }
    this.settleAfter(tenantId, messageId, this.delayMs);
  }

  /**
   * Settles the message after `ms`. If the database fails meanwhile, tries
   * again every sweep interval (the job stays leased here, and settling is
   * idempotent); stop() hands a pending one back.
   */
  private settleAfter(tenantId: string, messageId: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(messageId);
      this.track(
        this.settle(tenantId, messageId).catch((err) => {
          this.log.warn("delivery step failed; retrying", { messageId, error: String(err) });
          if (!this.stopped) this.settleAfter(tenantId, messageId, this.jobs.config.sweepMs);
        }),
      );
    }, ms);
    this.timers.set(messageId, { tenantId, timer });
  }

  /** A due delivery whose instance crashed or stopped. */
  private resume(job: ClaimedJob): void {
    if (this.stopped) this.track(this.release(job.tenantId, job.id));
    else this.settleAfter(job.tenantId, job.id, 0);
  }

  private track(p: Promise<unknown>): void {
    const task = p.then(
      () => {},
      (err) => this.log.warn("delivery step failed", { error: String(err) }),
    );
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private settle(tenantId: string, messageId: string): Promise<unknown> {
    return this.db.transaction(tenantId, async (tx) => {
      if (!(await finishJob(tx, KIND, messageId, this.jobs.owner))) return; // another instance has it
      const message = await getCommunication(tx, messageId);
      if (!message) return;
      const reason = deliveryFailure(message.recipient);
      await settleCommunication(tx, tenantId, messageId, reason ? "failed" : "delivered", reason ?? "");
    });
  }

  private release(tenantId: string, messageId: string): Promise<unknown> {
    return this.db.transaction(tenantId, (tx) => releaseJob(tx, KIND, messageId, this.jobs.owner));
  }

  /** Hands every pending delivery back (not counted as an attempt) for another instance or the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [messageId, { tenantId, timer }] of this.timers) {
      clearTimeout(timer);
      this.track(this.release(tenantId, messageId));
    }
    this.timers.clear();
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }
}
