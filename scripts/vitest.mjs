#!/usr/bin/env node
/**
 * Starts vitest's CLI (node_modules/vitest/vitest.mjs) in this process, with the same arguments.
 * scripts/test-all.mjs runs it under each Node binary: `<node> scripts/vitest.mjs run ...`.
 *
 * Why not vitest.mjs directly: vitest 5.1 declares engines `^22.12.0 || ^24.0.0 || >=26.0.0`, and
 * its main process (the orchestrator and reporters, not the test workers) calls three ES2024
 * built-ins that Node 20 lacks: `Map.groupBy` (printing failed tests: without it every failing
 * run dies with "Map.groupBy is not a function" and writes no report), `Object.groupBy`
 * (snapshot updates) and `Promise.withResolvers` (watch mode). They are installed here, in this
 * process only. The test files run in forked workers that vitest starts with its own entry and
 * the plain `node` binary, so the code under test sees Node 20 exactly as it is (a test there
 * can check that `Map.groupBy` is undefined). On Node 22+ nothing is patched.
 */
function groupInto(items, key, add) {
  let index = 0;
  for (const item of items) add(key(item, index++), item);
}
if (typeof Map.groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    configurable: true,
    writable: true,
    value(items, key) {
      const map = new Map();
      groupInto(items, key, (k, item) => (map.has(k) ? map.get(k).push(item) : map.set(k, [item])));
      return map;
    },
  });
}
if (typeof Object.groupBy !== "function") {
  Object.defineProperty(Object, "groupBy", {
    configurable: true,
    writable: true,
    value(items, key) {
      const out = Object.create(null);
      groupInto(items, key, (k, item) => (out[k] ??= []).push(item));
      return out;
    },
  });
}
if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

await import("../node_modules/vitest/vitest.mjs");
