// The simulated delivery channel for communications: after a short delay a
// sent message becomes delivered, or failed when its recipient is in the
// reserved `.invalid` top-level domain (RFC 2606: guaranteed not to exist),
// e.g. "ceo@acme.invalid". The timer lives in the instance that accepted the
// message; if that instance stops first, the message stays `sent`.
import type { Db } from "../store/db.js";
import { settleCommunication } from "../store/communications-repo.js";
import type { Logger } from "../observability/logger.js";

export function deliveryFailure(recipient: string): string | undefined {
  const domain = recipient.slice(recipient.lastIndexOf("@") + 1).toLowerCase();
  return domain.endsWith(".invalid") || domain === "invalid"
    ? `recipient domain ${domain} does not exist`
    : undefined;
}

export class DeliverySimulator {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly delayMs: number,
    private readonly log: Logger,
  ) {}

  schedule(tenantId: string, messageId: string, recipient: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const reason = deliveryFailure(recipient);
      this.db
        .transaction(tenantId, (tx) =>
          settleCommunication(tx, tenantId, messageId, reason ? "failed" : "delivered", reason ?? ""),
        )
        .catch((err) => this.log.warn("delivery step failed", { messageId, error: String(err) }));
    }, this.delayMs);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
