/**
 * The on-disk frame of every log file (segments, command log, metadata
 * log): `[length: u32 BE][crc32(payload): u32 BE][payload]`. A file is a
 * sequence of frames; a crash mid-write leaves a torn or zeroed tail, which
 * {@link scanFrames} detects (bad length, short frame, CRC mismatch) and
 * {@link openFrameFile} cuts off at the last whole frame.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import type { Logger } from '../../shared/logger.js';
import { crc32 } from './crc32.js';
import { StorageError } from './log.js';

export const FRAME_HEADER_BYTES = 8;
/** Larger lengths are treated as corruption. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export function encodeFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(payload), 4);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

export interface ScanResult {
  /** Payloads of the whole, valid frames, in order (views into the input). */
  readonly payloads: Buffer[];
  /** Bytes covered by those frames: where the file should end. */
  readonly validLength: number;
  /** Why scanning stopped before the end, if it did. */
  readonly problem?: string | undefined;
}

export function scanFrames(bytes: Buffer): ScanResult {
  const payloads: Buffer[] = [];
  const walk = walkFrames(bytes, (start, end) => {
    payloads.push(bytes.subarray(start, end));
    return true;
  });
  return walk.problem === undefined ? { payloads, validLength: walk.validLength } : { payloads, validLength: walk.validLength, problem: walk.problem };
}

/**
 * Called with the bounds of each whole, valid frame's payload in `bytes`;
 * returning false stops the walk before that frame.
 */
export type FrameVisitor = (payloadStart: number, payloadEnd: number) => boolean;

export interface WalkResult {
  /** Bytes covered by the frames visited and accepted. */
  readonly validLength: number;
  /** Why the walk stopped before the end, if the bytes are at fault. */
  readonly problem?: string | undefined;
  /** True when the visitor stopped the walk. */
  readonly stopped: boolean;
}

/** {@link scanFrames} without collecting payloads: a visitor sees each in turn. */
export function walkFrames(bytes: Buffer, visit: FrameVisitor): WalkResult {
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < FRAME_HEADER_BYTES) {
      return { validLength: pos, problem: `truncated frame header at byte ${pos}`, stopped: false };
    }
    const length = bytes.readUInt32BE(pos);
    if (length === 0 || length > MAX_FRAME_BYTES) {
      return { validLength: pos, problem: `invalid frame length ${length} at byte ${pos}`, stopped: false };
    }
    const end = pos + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) {
      return {
        validLength: pos,
        problem: `truncated frame at byte ${pos} (${length} bytes announced, ${bytes.length - pos - FRAME_HEADER_BYTES} present)`,
        stopped: false,
      };
    }
    const expected = bytes.readUInt32BE(pos + 4);
    if (crc32(bytes, pos + FRAME_HEADER_BYTES, end) !== expected) {
      return { validLength: pos, problem: `checksum mismatch in frame at byte ${pos}`, stopped: false };
    }
    if (!visit(pos + FRAME_HEADER_BYTES, end)) return { validLength: pos, stopped: true };
    pos = end;
  }
  return { validLength: pos, stopped: false };
}

/**
 * An append-only file of frames. Appends are synchronous writes (durable
 * after {@link FrameFile.datasync}); a failed append is rolled back so the
 * file never keeps half a frame while the process lives.
 */
export class FrameFile {
  readonly path: string;
  #fd: number;
  #size: number;

  constructor(path: string, fd: number, size: number) {
    this.path = path;
    this.#fd = fd;
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  get fd(): number {
    return this.#fd;
  }

  /** Appends whole frames (already encoded); all or none. */
  append(bytes: Buffer): void {
    if (this.#fd < 0) throw new StorageError('STORAGE_CLOSED', `${this.path} is closed.`);
    let written = 0;
    try {
      while (written < bytes.length) {
        written += writeSync(this.#fd, bytes, written, bytes.length - written, this.#size + written);
      }
    } catch (err) {
      this.rollback(this.#size);
      throw new StorageError('STORAGE_WRITE_FAILED', `Could not write to ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    this.#size += bytes.length;
  }

  /** Cuts the file back to `size` bytes (undoing appends of a failed batch). */
  rollback(size: number): void {
    try {
      ftruncateSync(this.#fd, size);
      this.#size = size;
    } catch (err) {
      throw new StorageError('STORAGE_WRITE_FAILED', `Could not roll back ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  datasyncSync(): void {
    fdatasyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeSync(fd);
  }
}

export interface OpenedFrameFile {
  readonly file: FrameFile;
  readonly payloads: Buffer[];
  /** True when a bad tail was cut off. */
  readonly truncated: boolean;
}

/**
 * Opens (creating if absent) a frame file for appending, reads its frames,
 * and cuts off a torn or corrupt tail with a warning.
 */
export function openFrameFile(path: string, logger: Logger): OpenedFrameFile {
  const payloads: Buffer[] = [];
  const opened = walkFrameFile(path, logger, (bytes, start, end) => {
    payloads.push(bytes.subarray(start, end));
    return true;
  });
  return { file: opened.file, payloads, truncated: opened.truncated };
}

export interface WalkedFrameFile {
  readonly file: FrameFile;
  /** True when the file was cut: a bad tail, or the visitor refused a frame. */
  readonly truncated: boolean;
}

/**
 * {@link openFrameFile} with a visitor instead of a list of payloads (the
 * file's bytes are read at once and dropped after the walk). A frame the
 * visitor refuses is cut off with what follows it, without a warning: the
 * visitor gives its own reason.
 */
export function walkFrameFile(path: string, logger: Logger, visit: (bytes: Buffer, payloadStart: number, payloadEnd: number) => boolean): WalkedFrameFile {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const size = fstatSync(fd).size;
    const bytes = size === 0 ? Buffer.alloc(0) : readFileSync(fd);
    let frames = 0;
    const walk = walkFrames(bytes, (start, end) => {
      if (!visit(bytes, start, end)) return false;
      frames++;
      return true;
    });
    const truncated = walk.validLength < bytes.length;
    if (walk.problem !== undefined) {
      logger.warn(
        `storage: ${path}: ${walk.problem}; cutting the file at byte ${walk.validLength} (${bytes.length - walk.validLength} bytes dropped, ${frames} whole records kept)`,
      );
    }
    if (truncated) {
      ftruncateSync(fd, walk.validLength);
      fdatasyncSync(fd);
    }
    return { file: new FrameFile(path, fd, walk.validLength), truncated };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** `length` bytes of `file` from `position` into a buffer of `size` bytes (positional reads; the file's append position is untouched). */
export function readAt(file: FrameFile, position: number, length: number, size = length): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < length) {
    const n = readSync(file.fd, buffer, got, length - got, position + got);
    if (n === 0) throw new Error(`Invariant violated: ${file.path} ends at byte ${position + got}, expected ${position + length}`);
    got += n;
  }
  return buffer;
}
