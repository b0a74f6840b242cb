/**
 * Resuming subscriptions (docs/resume.md): cursors, the positions rows carry,
 * the tracker that gives each row its cursor, and the replay window of a
 * shared query. Used by typed subscriptions and by the generic `pushQuery`.
 *
 * @module
 */
export {
  BUILT_IN_CURSOR_KEY,
  MAX_CURSOR_CHARS,
  createCursorCodec,
  cursorFingerprint,
  firstRowShowsGap,
  isAtOrBefore,
  resumeCondition,
  type CursorCodec,
  type ResumePosition,
} from './cursor.js';
export { CLOCK_SLACK_MS, POSITION_COLUMNS, RESUME_COLUMNS, positionColumns, readPosition, type PositionColumns } from './positions.js';
export { PositionTracker } from './tracker.js';
export { DEFAULT_RESUME_WINDOW_BYTES, PositionWindow, positionWindowFactory, replayAfter } from './replay-window.js';
export { positionedStatement, resumableSelect, type ResumableSelect } from './resumable-sql.js';
export { cursorEvents, deferredIterator, type CursorEventsOptions } from './cursor-events.js';
export { DEFAULT_RESUME_GATHER_MS, ResumeGatherer, type ResumeGroup } from './gather.js';
