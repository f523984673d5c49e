// A PostgreSQL client start on portio: SSLRequest, the server's one-byte answer read through a
// BufferedByteStream, TLS on the same connection (STARTTLS-style), the startup message, and a
// simple query. Trust authentication only (enough for the example). Runs unchanged on Node, Deno
// and Bun.
// @ts-check
import { BufferedByteStream, TLSStream, connectTcp } from "portio";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The SSLRequest code (protocol 1234.5679). */
const SSL_REQUEST = 80877103;
const PROTOCOL_3_0 = 196608;

/** An ErrorResponse from the server. */
export class PostgresError extends Error {}

/**
 * Connects with TLS (SSLRequest, then TLS over the same TCP connection) and completes the
 * startup. Rejects if the server refuses TLS.
 *
 * @example
 * ```js
 * const pg = await PgConnection.connect({ host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres", tls: { ca } });
 * console.log(await pg.query("SELECT 1 + 1 AS two")); // { columns: ["two"], rows: [["2"]] }
 * await pg.close();
 * ```
 */
export class PgConnection {
  /** @param {BufferedByteStream} stream @param {Record<string, string>} parameters */
  constructor(stream, parameters) {
    this.stream = stream;
    /** What the server reported in ParameterStatus messages (server_version, ...). */
    this.parameters = parameters;
  }

  /**
   * @param {{ host: string; port: number; user: string; database: string; tls: { ca: string; hostname?: string } }} options
   */
  static async connect({ host, port, user, database, tls }) {
    const tcp = new BufferedByteStream(await connectTcp(host, port));
    await tcp.send(int32s(8, SSL_REQUEST));
    const answer = String.fromCharCode((await tcp.receiveExactly(1))[0] ?? 0);
    if (answer !== "S") {
      await tcp.aclose();
      throw new Error(`the server refused TLS (answered ${JSON.stringify(answer)} to SSLRequest)`);
    }
    // The answer was read through the buffered stream: wrapping it keeps anything it holds, and
    // with nothing buffered the backend may run TLS natively on the socket.
    const secure = await TLSStream.wrap(tcp, { hostname: tls.hostname ?? "localhost", ca: tls.ca });
    const stream = new BufferedByteStream(secure);
    const body = encoder.encode(`user\0${user}\0database\0${database}\0\0`);
    await stream.send([int32s(8 + body.byteLength, PROTOCOL_3_0), body]);
    /** @type {Record<string, string>} */
    const parameters = {};
    for (;;) {
      const [type, payload] = await readMessage(stream);
      if (type === "R") {
        const code = new DataView(payload.buffer, payload.byteOffset).getInt32(0);
        if (code !== 0) throw new Error(`authentication method ${code} is not supported by this example (use trust)`);
      } else if (type === "S") {
        const [name = "", value = ""] = decoder.decode(payload).split("\0");
        parameters[name] = value;
      } else if (type === "E") {
        throw new PostgresError(errorText(payload));
      } else if (type === "Z") {
        return new PgConnection(stream, parameters);
      }
    }
  }

  /**
   * A simple query: resolves with the column names and the rows as text (null for NULL).
   * @param {string} sql
   */
  async query(sql) {
    const text = encoder.encode(`${sql}\0`);
    await this.stream.send([encoder.encode("Q"), int32s(4 + text.byteLength), text]);
    /** @type {string[]} */
    let columns = [];
    /** @type {Array<Array<string | null>>} */
    const rows = [];
    /** @type {PostgresError | undefined} */
    let failure;
    for (;;) {
      const [type, payload] = await readMessage(this.stream);
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      if (type === "T") {
        columns = [];
        let offset = 2;
        for (let i = 0; i < view.getInt16(0); i++) {
          const end = payload.indexOf(0, offset);
          columns.push(decoder.decode(payload.subarray(offset, end)));
          offset = end + 1 + 18; // table oid, column, type oid, size, modifier, format
        }
      } else if (type === "D") {
        const row = [];
        let offset = 2;
        for (let i = 0; i < view.getInt16(0); i++) {
          const length = view.getInt32(offset);
          offset += 4;
          row.push(length < 0 ? null : decoder.decode(payload.subarray(offset, offset + length)));
          offset += Math.max(length, 0);
        }
        rows.push(row);
      } else if (type === "E") {
        failure = new PostgresError(errorText(payload));
      } else if (type === "Z") {
        if (failure) throw failure;
        return { columns, rows };
      }
    }
  }

  /** Sends Terminate and closes the connection (TLS close_notify, then the socket). */
  async close() {
    await this.stream.send([encoder.encode("X"), int32s(4)]).catch(() => {});
    await this.stream.aclose();
  }
}

/** Big-endian 32-bit integers. @param {...number} values */
function int32s(...values) {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setInt32(4 * i, value);
  return bytes;
}

/**
 * One backend message: its type letter and its payload.
 * @param {BufferedByteStream} stream
 * @returns {Promise<[string, Uint8Array]>}
 */
async function readMessage(stream) {
  const header = await stream.receiveExactly(5);
  const length = new DataView(header.buffer, header.byteOffset).getInt32(1);
  return [String.fromCharCode(header[0] ?? 0), await stream.receiveExactly(length - 4)];
}

/** The message field (M) of an ErrorResponse. @param {Uint8Array} payload */
function errorText(payload) {
  const fields = decoder.decode(payload).split("\0");
  return fields.find((field) => field.startsWith("M"))?.slice(1) ?? "unknown error";
}
