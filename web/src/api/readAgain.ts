// A page's reads of something that may be going on (a run): each read says
// when to read again, if at all. A read that failed without an answer (no
// connection, a proxy's 502, the server's own failure) says nothing about
// the thing read: the page is told it could not reach the server, keeps
// what it shows, and reads again, less often while it keeps failing. Only a
// refusal with a code of its own (BAD_USER_INPUT, NOT_FOUND…) says it is gone.
import { GraphQLError } from './client';

function isTransient(e: unknown): boolean {
  return !(e instanceof GraphQLError) || e.code === undefined || e.code === 'INTERNAL_SERVER_ERROR';
}

/** 2 s, 4 s, 8 s, then 10 s after that many failed reads in a row. */
const retryDelay = (failures: number) => Math.min(2000 * 2 ** (failures - 1), 10_000);

/**
 * Runs read now, then again after the milliseconds it returns (null: done).
 * read is given alive(), false once the caller stopped (the page left or
 * asks for something else): it then sets nothing. Returns the stop function.
 */
export function readUntilDone(
  read: (alive: () => boolean) => Promise<number | null>,
  on: { unreachable: (message: string | null) => void; gone: () => void },
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const alive = () => !stopped;
  const step = () =>
    read(alive).then(
      (again) => {
        if (stopped) return;
        if (failures > 0) on.unreachable(null);
        failures = 0;
        if (again !== null) timer = setTimeout(step, again);
      },
      (e: unknown) => {
        if (stopped) return;
        if (!isTransient(e)) return on.gone();
        failures++;
        on.unreachable((e as Error).message);
        timer = setTimeout(step, retryDelay(failures));
      },
    );
  void step();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
