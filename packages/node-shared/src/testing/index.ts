/**
 * `@portio/node-shared/testing`: test support for backends' conformance harnesses (not for
 * production code): fresh TLS test certificates from the `openssl` CLI, and peers in other processes.
 *
 * @example
 * ```ts
 * import { generateTestCertificates } from "@portio/node-shared/testing";
 * const harness = { ...rest, tlsCertificates: () => certificates, }; // certificates = generateTestCertificates()
 * ```
 * @module
 */
export { generateTestCertificates } from "./certificates.ts";
export { socketFileTools } from "./socket-files.ts";
export { spawnProcess } from "./spawn.ts";
export { nodeDuplexChecks } from "./node-duplex-checks.ts";
export { procFiles } from "./proc-files.ts";
export { tlsPumpChecks } from "./tls-pump-checks.ts";
