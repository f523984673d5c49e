/**
 * The seams between the socket classes' `static fromSocket` methods and the adoption code. The
 * classes cannot import adoption statically (adoption imports the classes, and in that cycle a
 * subclass such as `UNIXSocketStream` could be evaluated before its base class), and a dynamic
 * `import()` upsets bundlers that flatten modules into lazy initialisers. So adoption registers
 * its functions here when it loads (`from-socket.ts`, reached from the package's entry point),
 * and the classes look them up when called. This module imports nothing.
 *
 * @module
 */

/** The `fromSocket` implementations, by target. Results are typed by the calling class. */
export interface Adopters {
  stream(socket: unknown, unixOnly: boolean): Promise<unknown>;
  listener(socket: unknown, unixOnly: boolean): Promise<unknown>;
  udp(socket: unknown): Promise<unknown>;
  connectedUdp(socket: unknown): Promise<unknown>;
  unixDatagram(socket: unknown): Promise<unknown>;
  connectedUnixDatagram(socket: unknown): Promise<unknown>;
}

let registered: Adopters | undefined;

/** Called once by the adoption module as it loads. */
export function registerAdopters(adopters: Adopters): void {
  registered = adopters;
}

/** The registered implementations. */
export function adopters(): Adopters {
  if (registered === undefined) {
    throw new Error('portio\'s adoption code is not loaded: import fromSocket\'s class from "portio" or "@portio/core"');
  }
  return registered;
}
