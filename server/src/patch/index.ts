// The patch reader: parse, apply in memory, reverse, and read commits from git.
export * from './types';
export { parsePatch } from './parse';
export { applyPatch } from './apply';
export { touchedFiles, reversePatch } from './transform';
export { gitRevisionsPatch } from './git';
