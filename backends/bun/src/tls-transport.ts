import type { Socket } from "bun";
import { UnsupportedError, type SocketAddress, type TLSPeerCertificate } from "@portio/core";
import type { TLSTransport } from "@portio/core/backend";
import { cipherName, negotiatedAlpn, peerCertificate } from "@portio/node-shared";
import type { TLSSocket } from "node:tls";
import { BunStreamTransport, type BunSocketOwner } from "./stream-transport.ts";

/**
 * A TLS session that Bun runs natively on a socket (`socket.upgradeTLS`), as core's
 * {@link TLSTransport}: the fast path of `wrapTls` (see `tls.ts`).
 *
 * Reading and writing are {@link BunStreamTransport}'s own (the same queue, pause/resume and
 * write-remainder logic), over the TLS socket Bun returned; this class adds the handshake's
 * outcome and what it negotiated. The plain transport it was upgraded from is handed over to it
 * and closes with it.
 *
 * Like Node's native-socket path: Bun reports close_notify and a bare FIN alike (so
 * {@link closeNotifyReceived} is always `false`, which a `standardCompatible: false` session
 * treats the same), cannot half-close a TLS session, and cannot hand the socket back.
 *
 * @example
 * ```ts
 * const session = await wrapTls(stream, { ...options, standardCompatible: false }, plainTransport);
 * session.tlsVersion; // "TLSv1.3"
 * ```
 */
export class BunTLSTransport extends BunStreamTransport implements TLSTransport, BunSocketOwner {
  readonly #plain: BunStreamTransport;
  /** The raw socket under the session (the first socket `upgradeTLS` returned). */
  readonly #raw: Socket<unknown>;
  #handshake: ((success: boolean, error: Error | null) => void) | undefined;
  #closeWatcher: ((error: Error | undefined) => void) | undefined;

  constructor(socket: Socket<BunStreamTransport>, raw: Socket<unknown>, plain: BunStreamTransport) {
    super(socket, { family: plain.family });
    this.#raw = raw;
    this.#plain = plain;
  }

  /** A FIN on the raw socket without close_notify (the session is not standard-compatible). */
  protected override endSocket(): void {
    // The raw socket's close() (shutdown + end): its end() alone, like the TLS socket's, sends
    // close_notify and then waits for the peer to close too.
    this.#raw.close();
  }

  override get fd(): number | undefined {
    return undefined;
  }

  override localAddress(): SocketAddress {
    return this.#plain.localAddress();
  }

  override remoteAddress(): SocketAddress {
    return this.#plain.remoteAddress();
  }

  get alpnProtocol(): string | null {
    return negotiatedAlpn(this.socket);
  }

  get cipher(): string {
    return cipherName(this.socket);
  }

  get tlsVersion(): string {
    return this.socket.getTLSVersion() || "unknown";
  }

  peerCertificate(): TLSPeerCertificate | null {
    // Bun's getPeerCertificate() has node:tls's shape.
    return peerCertificate(this.socket as unknown as TLSSocket);
  }

  get closeNotifyReceived(): boolean {
    return false;
  }

  override shutdownWrite(): Promise<void> {
    return Promise.reject(new UnsupportedError("the bun backend's TLS sessions cannot half-close"));
  }

  unwrap(): Promise<Uint8Array> {
    return Promise.reject(
      new UnsupportedError(
        "the bun backend cannot unwrap a TLS session that runs natively on the socket (standardCompatible: false " +
          "over a socket stream): Bun has no way to hand the socket back. Wrap with standardCompatible: true, " +
          "which runs TLS over the portio stream and can unwrap",
      ),
    );
  }

  /** @internal Waits for the handshake: `callback` gets Bun's `handshake` event, or a failed one on close. */
  onHandshakeOnce(callback: (success: boolean, error: Error | null) => void): void {
    this.#handshake = callback;
    this.#closeWatcher = (error) => callback(false, error ?? null);
  }

  /** @internal Bun's `handshake` event. */
  onHandshake(success: boolean, error: Error | null): void {
    const handshake = this.#handshake;
    this.#handshake = undefined;
    this.#closeWatcher = undefined;
    handshake?.(success, error);
  }

  override onClose(error: Error | undefined): void {
    super.onClose(error);
    this.#plain.ownerClosed(error);
    const watcher = this.#closeWatcher;
    this.#handshake = undefined;
    this.#closeWatcher = undefined;
    watcher?.(error);
  }
}
