/**
 * Checks of TLS inputs that every runtime must agree on: PEM text is validated here, before any
 * runtime sees it (Deno's node:tls silently ignored a junk client certificate), and the error for
 * a session that ends without close_notify, or fails with a peer's alert or a reset, names the
 * likely cause.
 * @module
 */

import type { TLSPem } from "./tls-options.ts";
import { BrokenResourceError, osErrorCode, tlsAlertCode } from "../errors.ts";

const utf8 = new TextDecoder();
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** RFC 1421 headers of legacy encrypted keys ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ..."). */
const HEADER = /^[A-Za-z-]+:.*$/;

/**
 * Throws a `TypeError` unless `value` holds PEM text with at least one well-formed block of the
 * wanted kind: matching BEGIN/END markers around base64. Text outside the blocks (openssl's "Bag
 * Attributes", comments) is allowed, as every TLS library allows it.
 *
 * @param kind `"certificate"` for `ca` / `cert`, `"private key"` for `key`
 */
export function checkPem(value: TLSPem | undefined, name: string, kind: "certificate" | "private key"): void {
  if (value === undefined) return;
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new TypeError(`${name} is an empty list; give at least one PEM ${kind}`);
  for (const [index, item] of items.entries()) {
    const label = items.length > 1 ? `${name}[${index}]` : name;
    if (typeof item !== "string" && !(item instanceof Uint8Array)) {
      throw new TypeError(`${label} must be PEM text (a string or its UTF-8 bytes), got ${item === null ? "null" : typeof item}`);
    }
    checkPemText(typeof item === "string" ? item : utf8.decode(item), label, kind);
  }
}

function checkPemText(text: string, label: string, kind: "certificate" | "private key"): void {
  let wanted = 0;
  for (const [, type, body] of text.matchAll(BLOCK)) {
    const lines = body!
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !HEADER.test(line));
    const base64 = lines.join("");
    if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
      throw new TypeError(`${label}: the PEM block "${type}" does not hold valid base64`);
    }
    if (kind === "certificate" ? /CERTIFICATE$/.test(type!) : /PRIVATE KEY$/.test(type!)) wanted++;
  }
  if (wanted === 0) {
    const marker =
      kind === "certificate"
        ? "-----BEGIN CERTIFICATE-----"
        : "-----BEGIN PRIVATE KEY----- (or RSA / EC / ENCRYPTED PRIVATE KEY)";
    throw new TypeError(`${label} is not a PEM ${kind}: no ${marker} block found`);
  }
}

/**
 * The error for a TLS session whose transport ended without close_notify (a ragged EOF).
 * Right after the handshake, before any data, the usual cause is not truncation but a server
 * refusing the client (most often: it requires a client certificate); runtimes that do not pass
 * the server's alert on (Deno) leave only this end of stream to go by.
 */
export function raggedEofError(state: { receivedData: boolean; serverSide: boolean }): Error {
  if (!state.receivedData && !state.serverSide) {
    return new Error(
      "TLS: the server closed the connection right after the handshake, before sending any data and without a " +
        "close_notify alert: it most likely refused this client during the handshake, e.g. because it requires a " +
        'client certificate and none (or one it does not trust) was sent ("certificate required"; give cert and key). Some runtimes (Deno) ' +
        "do not report the server's alert itself",
    );
  }
  return new Error(
    "TLS ragged EOF: the peer ended the connection without a close_notify alert (the data may be truncated); " +
      "use standardCompatible: false to accept this as the end of the stream",
  );
}

/**
 * What a failed read or write of a TLS session means, said the same on every runtime: a fatal
 * alert from the peer is named (`"certificate required"`, with what to do about it); a reset
 * right after a client's handshake, before any data, is explained as the refusal it most likely
 * is (Node loses the server's alert when the reset overtakes it). Anything else is returned as
 * it is.
 */
export function tlsSessionError(error: unknown, state: { receivedData: boolean; serverSide: boolean }): unknown {
  const alert = tlsAlertCode(error);
  if (alert !== undefined) {
    const name = alert
      .replace(/^ERR_SSL_(?:SSLV3_|TLSV1_|TLSV13_)?ALERT_/, "")
      .toLowerCase()
      .replaceAll("_", " ");
    const advice = ALERT_ADVICE[name] ?? "";
    return new BrokenResourceError(`TLS: the peer sent the fatal alert "${name}"${advice}`, { cause: error });
  }
  const code = osErrorCode(error);
  if (!state.receivedData && !state.serverSide && (code === "ECONNRESET" || code === "EPIPE")) {
    return new BrokenResourceError(
      "TLS: the server reset the connection right after the handshake, before sending any data: it most likely refused " +
        'this client with an alert that the reset overtook, e.g. "certificate required" because it requires a client ' +
        "certificate and none (or one it does not trust) was sent (give cert and key)",
      { cause: error },
    );
  }
  return error;
}

/** What to do about the alerts a client most often gets. */
const ALERT_ADVICE: Readonly<Record<string, string>> = {
  "certificate required": ": the server requires a client certificate (give cert and key)",
  "unknown ca": ": the peer does not trust the CA of the certificate sent",
  "bad certificate": ": the peer refused the certificate sent",
  "certificate expired": ": the certificate sent has expired",
};
