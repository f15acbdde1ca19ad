/** An attempt waiting for its timeout: linked into the list of attempts with the same timeout. */
export interface TimedAttempt {
  /** Wall-clock time (ms) at which `timedOut()` is called unless it was removed first. */
  deadline: number;
  prev?: TimedAttempt;
  next?: TimedAttempt;
  /** The list it is in, while it is in one. */
  timeoutList?: TimeoutList;
  timedOut(): void;
}

/** Attempts with one timeout length, in start order (so in deadline order), and one timer. */
class TimeoutList {
  head?: TimedAttempt;
  tail?: TimedAttempt;
  timer?: NodeJS.Timeout;

  constructor(readonly ms: number) {}
}

/**
 * Attempt timeouts without a timer per attempt: one list per distinct timeout length, one timer
 * per list, set for its oldest attempt (Node's own timer lists work this way, but allocate a
 * `Timeout` object per `setTimeout`). Adding and removing an attempt is a few pointer moves, and
 * a list whose attempts all finished keeps its timer until it fires once and finds nothing.
 * Timers are unref'd: a pending timeout never keeps the process alive by itself.
 */
export class AttemptTimeouts {
  private readonly lists = new Map<number, TimeoutList>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Call `attempt.timedOut()` `ms` from now unless `remove(attempt)` comes first. */
  add(attempt: TimedAttempt, ms: number): void {
    let list = this.lists.get(ms);
    if (!list) {
      list = new TimeoutList(ms);
      this.lists.set(ms, list);
    }
    attempt.deadline = this.now() + ms;
    attempt.timeoutList = list;
    attempt.prev = list.tail;
    attempt.next = undefined;
    if (list.tail) list.tail.next = attempt;
    else list.head = attempt;
    list.tail = attempt;
    if (!list.timer) this.arm(list, ms);
  }

  remove(attempt: TimedAttempt): void {
    const list = attempt.timeoutList;
    if (!list) return;
    if (attempt.prev) attempt.prev.next = attempt.next;
    else list.head = attempt.next;
    if (attempt.next) attempt.next.prev = attempt.prev;
    else list.tail = attempt.prev;
    attempt.prev = attempt.next = attempt.timeoutList = undefined;
  }

  private arm(list: TimeoutList, ms: number): void {
    list.timer = setTimeout(() => this.expire(list), Math.max(1, ms));
    list.timer.unref();
  }

  private expire(list: TimeoutList): void {
    list.timer = undefined;
    const now = this.now();
    for (let attempt = list.head; attempt && attempt.deadline <= now; attempt = list.head) {
      this.remove(attempt);
      attempt.timedOut();
    }
    if (list.head) this.arm(list, list.head.deadline - now);
    else this.lists.delete(list.ms);
  }
}
