// Change events over Redis pub/sub, beside LISTEN/NOTIFY: every instance
// publishes what its committed transactions changed (scale/change-capture.ts)
// on `<prefix>changes` and subscribes to it. Instances hear each other
// without depending on one database connection per instance for LISTEN, and
// while either path is down the other still wakes watchers; the change feed
// drops the second copy of an event by its id. After the subscriber
// reconnects, events may have been missed: subscribers re-read (resync), as
// after a lost LISTEN connection.
import type { ChangeBus } from "../domain/change-feed.js";
import type { RedisConnection } from "./redis-connection.js";

export class RedisChangeBus implements ChangeBus {
  private readonly channel: string;

  constructor(private readonly conn: RedisConnection) {
    this.channel = conn.key("changes");
  }

  /** Best effort: a failed PUBLISH is logged; LISTEN/NOTIFY and the watchers' safety polls cover it. */
  publish(payloads: string[]): void {
    if (!this.conn.ready) return;
    for (const p of payloads) {
      this.conn.command.publish(this.channel, p).catch((err: unknown) => this.conn.unavailable(err));
    }
  }

  subscribe(onPayload: (payload: string) => void, onResync: () => void): () => void {
    const sub = this.conn.subscriber;
    let subscribedBefore = false;
    const onMessage = (channel: string, message: string) => {
      if (channel === this.channel) onPayload(message);
    };
    // Subscribe on every (re)connection: explicit rather than ioredis's
    // autoResubscribe, so a SUBSCRIBE that failed during an outage is sent again.
    const onReady = () => {
      sub.subscribe(this.channel).then(
        () => {
          if (subscribedBefore) onResync();
          subscribedBefore = true;
        },
        (err: unknown) => this.conn.unavailable(err),
      );
    };
    sub.on("message", onMessage);
    sub.on("ready", onReady);
    if (sub.status === "ready") onReady();
    return () => {
      sub.off("message", onMessage);
      sub.off("ready", onReady);
    };
  }
}
