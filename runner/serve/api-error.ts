// Errors of the Toxiproxy-compatible HTTP API: a message and a status, sent as {"error", "status"}.

/** An error the API answers with; the message texts are Toxiproxy's, so clients matching them keep working. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Toxiproxy's `joinError`: the generic message, then what exactly was wrong. */
  with(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const ERR_BAD_REQUEST_BODY = new ApiError('bad request body', 400);
export const ERR_MISSING_FIELD = new ApiError('missing required field', 400);
export const ERR_PROXY_NOT_FOUND = new ApiError('proxy not found', 404);
export const ERR_PROXY_ALREADY_EXISTS = new ApiError('proxy already exists', 409);
export const ERR_INVALID_STREAM = new ApiError('stream was invalid, can be either upstream or downstream', 400);
export const ERR_INVALID_TOXIC_TYPE = new ApiError('invalid toxic type', 400);
export const ERR_TOXIC_ALREADY_EXISTS = new ApiError('toxic already exists', 409);
export const ERR_TOXIC_NOT_FOUND = new ApiError('toxic not found', 404);
export const ERR_NOT_FOUND = new ApiError('not found', 404);
export const ERR_METHOD_NOT_ALLOWED = new ApiError('method not allowed', 405);
export const ERR_FORBIDDEN = new ApiError('User agent not allowed', 403);
