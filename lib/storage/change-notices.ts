/** At most one change notice per process per this many milliseconds (docs/dashboard.md, "Live refresh"). */
export const CHANGE_NOTICE_MS = 1000;

/**
 * The change notices of one process for the dashboard's push (PostgreSQL's NOTIFY on
 * `kronos_change`), coalesced: the first change after a quiet spell is announced at once, the
 * changes that follow within `windowMs` by one notice at its end. However many tasks a worker
 * completes, it sends at most one notice a second, off its path (the send is not awaited); a
 * process that changes nothing sends nothing. A notice that cannot be sent is dropped: the next
 * change sends another, and a page that missed one still has its refresh on reconnecting.
 */
export class ChangeNotices {
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly windowMs = CHANGE_NOTICE_MS,
  ) {}

  /** Something the pages show changed (and is committed). */
  mark(): void {
    if (this.timer || this.closed) return;
    const wait = this.lastSent + this.windowMs - Date.now();
    if (wait <= 0) return this.fire();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
    this.timer.unref();
  }

  /** Send again after `close` (an engine started anew). */
  open(): void {
    this.closed = false;
  }

  /** Stop: a notice still waiting for its window's end is dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    if (this.closed) return;
    this.lastSent = Date.now();
    this.send().catch(() => undefined);
  }
}
