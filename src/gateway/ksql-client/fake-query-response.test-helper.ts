/**
 * A `/query` response driven by the test: a dispatcher that hands undici's
 * handler to the test, so chunks arrive exactly when the test sends them and
 * the stream's pause/resume calls can be counted.
 */
import type { Dispatcher } from 'undici';
import { openQueryStream } from './streamed-query.js';
import type { QueryStream } from './types.js';

export interface FakeQueryResponse {
  readonly stream: QueryStream;
  data(chunk: string | Buffer): void;
  end(): void;
  readonly paused: boolean;
  readonly pauses: number;
  readonly resumes: number;
}

export function fakeQueryResponse(bufferBatches: number): FakeQueryResponse {
  let handler: Dispatcher.DispatchHandler | undefined;
  let paused = false;
  let pauses = 0;
  let resumes = 0;
  const controller: Dispatcher.DispatchController = {
    aborted: false,
    get paused() {
      return paused;
    },
    reason: null,
    abort: () => {},
    pause: () => {
      paused = true;
      pauses++;
    },
    resume: () => {
      paused = false;
      resumes++;
    },
  };
  const dispatcher = {
    dispatch(_options: Dispatcher.DispatchOptions, h: Dispatcher.DispatchHandler) {
      handler = h;
      h.onRequestStart?.(controller, {});
      h.onResponseStart?.(controller, 200, {});
      return true;
    },
  } as unknown as Dispatcher;
  const stream = openQueryStream({
    dispatcher,
    request: { origin: 'http://ksql.test', path: '/query', method: 'POST' },
    signal: undefined,
    timeoutMs: 0,
    timeoutCoversBody: false,
    bufferBatches,
  });
  return {
    stream,
    data: (chunk) => handler?.onResponseData?.(controller, typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    end: () => handler?.onResponseEnd?.(controller, {}),
    get paused() {
      return paused;
    },
    get pauses() {
      return pauses;
    },
    get resumes() {
      return resumes;
    },
  };
}
