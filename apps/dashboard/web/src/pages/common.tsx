import { ApiError } from '../api';

/** An API's error, in its own words, with the request id to look up in the logs. */
export function ErrorNote({ error }: { error: unknown }) {
  const e = error as Partial<ApiError> & Error;
  return (
    <p className="error" role="alert">
      {e.message}
      {e.requestId && <span className="sub mono">request {e.requestId}</span>}
    </p>
  );
}
