/**
 * A WebSocket message's text in tests. ws hands a message as one Buffer
 * (binaryType 'nodebuffer', the default), an ArrayBuffer or a list of
 * fragments, depending on the socket's binaryType: this decodes each as UTF-8.
 *
 * @module
 */
import type { RawData } from 'ws';

export function messageText(data: RawData): string {
  return Buffer.concat(Array.isArray(data) ? data : [new Uint8Array(data)]).toString('utf8');
}
