/**
 * What a worker knows of its own contact with the database, from its heartbeats, on the process's
 * monotonic clock (a wall-clock jump never shortens a wait). It answers the two questions the
 * lease protocol asks (docs/architecture.md, "Leases, heartbeats and rescue"):
 *
 * - `silentFor()`: how long since a heartbeat last came back. Past half of `deadAfter` the worker
 *   fences itself: others may soon consider it dead.
 * - `mayRescue()`: whether the worker has been heard by the database without a break for at least
 *   `deadAfter`. Only then may it declare others dead: every worker that is alive has had a whole
 *   `deadAfter` of reachable database, after any outage, to refresh its row before anyone judges it.
 *
 * A break is a failed heartbeat, or silence longer than half of `deadAfter` (a heartbeat hanging
 * on a connection that does not answer).
 */
export class Liveness {
  private lastHeardAt: number;
  /** When the current unbroken run of heartbeats began (its first reply); null while broken. */
  private heardSince: number | null = null;

  constructor(
    private readonly deadAfterMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastHeardAt = now();
  }

  /** A heartbeat came back. Returns how long the worker had been silent if this ends a break, else null. */
  heard(): number | null {
    const at = this.now();
    const silence = at - this.lastHeardAt;
    if (silence > this.deadAfterMs / 2) this.heardSince = null;
    const broken = this.heardSince === null;
    this.heardSince ??= at;
    this.lastHeardAt = at;
    return broken ? silence : null;
  }

  /** A heartbeat failed: the run of heartbeats is broken. */
  failed(): void {
    this.heardSince = null;
  }

  /** Milliseconds since a heartbeat last came back (since start before the first one). */
  silentFor(): number {
    return this.now() - this.lastHeardAt;
  }

  /** True once heartbeats have come back without a break for at least `deadAfter`, and still do. */
  mayRescue(): boolean {
    const now = this.now();
    return (
      this.heardSince !== null &&
      now - this.heardSince >= this.deadAfterMs &&
      now - this.lastHeardAt <= this.deadAfterMs / 2
    );
  }
}
