/**
 * Resuming subscriptions (docs/resume.md): cursors, the positions rows carry,
 * the tracker that gives each row its cursor, and the replay window of a
 * shared query. Used by typed subscriptions and by the generic `pushQuery`.
 *
 * @module
 */
export { BUILT_IN_CURSOR_KEY, createCursorCodec, cursorFingerprint, resumeCondition, type CursorCodec, type ResumePosition } from './cursor.js';
export { CLOCK_SLACK_MS, POSITION_COLUMNS, RESUME_COLUMNS } from './positions.js';
export { PositionTracker } from './tracker.js';
export { DEFAULT_RESUME_WINDOW_BYTES, positionWindowFactory, replayAfter } from './replay-window.js';
export { positionedStatement, resumableSelect, type ResumableSelect } from './resumable-sql.js';
export { cursorEvents, deferredIterator } from './cursor-events.js';
export { DEFAULT_RESUME_GATHER_MS, ResumeGatherer, type ResumeGroup } from './gather.js';
