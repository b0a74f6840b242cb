/**
 * Reconnect storms (docs/resume.md): resumers of the same statement that
 * arrive within a short window form a group that runs one catch-up query
 * from the oldest of their positions, instead of one query each.
 *
 * @module
 */
import { resumeCondition, type ResumePosition } from './cursor.js';

/** How long resumers are gathered by default (`--resume-gather-ms`). */
export const DEFAULT_RESUME_GATHER_MS = 250;

/** What the members of a resume group run: the shared query's key and the condition that covers every member. */
export interface ResumeGroup {
  readonly key: string;
  readonly condition: string;
}

interface Gathering {
  readonly key: string;
  readonly positions: ResumePosition[];
  readonly members: Array<(group: ResumeGroup) => void>;
}

export class ResumeGatherer {
  readonly #windowMs: number;
  readonly #gathering = new Map<string, Gathering>();
  #groups = 0;

  /** @param windowMs how long a group gathers, from its first member; 0: no groups. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Resumers of the statement `base` (its share key) arriving within the
   * window of the first form one group, which runs one upstream query from
   * the oldest of their positions (each member skips what comes before its
   * own). Resolves, for every member at once, when the window closes: they
   * all join the query before its first row. Undefined when groups are off.
   */
  gather(base: string, position: ResumePosition): Promise<ResumeGroup> | undefined {
    if (this.#windowMs <= 0) return undefined;
    let gathering = this.#gathering.get(base);
    if (gathering === undefined) {
      const opened: Gathering = { key: `${base}#resume-${++this.#groups}`, positions: [], members: [] };
      gathering = opened;
      this.#gathering.set(base, opened);
      setTimeout(() => {
        this.#gathering.delete(base);
        const group = { key: opened.key, condition: resumeCondition(...opened.positions) };
        for (const member of opened.members) member(group);
      }, this.#windowMs).unref();
    }
    gathering.positions.push(position);
    const joining = gathering;
    return new Promise((resolve) => joining.members.push(resolve));
  }
}
