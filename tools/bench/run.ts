/**
 * `npm run bench [-- --quick]`: every benchmark, one after the other, each
 * printing its ratios against a baseline measured in the same run.
 */
await import('./counters.js');
await import('./pledges.js');
