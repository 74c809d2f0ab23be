// Names the server answers to. The VS Code client spells the same strings
// (typed against protocol/messages.ts).
export const EXPLAIN_COMMAND = 'lockscope.server.explain';
export const LOCK_GRAPH_COMMAND = 'lockscope.server.lockGraph';
export const CHECK_PATCH_COMMAND = 'lockscope.server.checkPatch';
export const STATUS_NOTIFICATION = 'lockscope/status';
export const SUPPRESS_PREFIX = 'lockscope: ignore';
