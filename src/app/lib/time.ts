// Short human times for chips, "as of" lines and deadlines (the one phrasing lives in core, shared with the CLI).
export { formatClock, formatTime, formatUntil } from '../../core/human-time.ts';
