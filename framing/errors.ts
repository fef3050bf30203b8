// Coded errors of the framing library: callers match on the stable `code`, never on the message.

/** Base of every error framing raises on purpose. Each `code` is listed in docs/errors.md. */
export class FramingError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A declared (or accumulated) frame length above `maxFrame`, or a body too long for its header. */
export class FrameTooLargeError extends FramingError {
  readonly length: number | bigint;
  readonly maxFrame: number;
  constructor(length: number | bigint, maxFrame: number, what = 'frame') {
    super('ERR_FRAME_TOO_LARGE', `${what} of ${length} bytes exceeds the limit of ${maxFrame} bytes`);
    this.length = length;
    this.maxFrame = maxFrame;
  }
}

/** A length field that cannot be a length: negative, or not an integer. */
export class BadLengthError extends FramingError {
  constructor(detail: string) {
    super('ERR_BAD_LENGTH', `bad length field: ${detail}`);
  }
}

/** A JSON header that is empty, not UTF-8, not a JSON object, or without a usable `data_size`. */
export class BadHeaderError extends FramingError {
  constructor(detail: string) {
    super('ERR_BAD_HEADER', `bad JSON header: ${detail}`);
  }
}

/** A JSON header longer than `maxHeader`. */
export class HeaderTooLargeError extends FramingError {
  constructor(length: number, maxHeader: number) {
    super('ERR_HEADER_TOO_LARGE', `JSON header of ${length} bytes exceeds the limit of ${maxHeader} bytes`);
  }
}

/** The stream ended inside a frame: the peer closed (or died) mid-message. */
export class FrameTruncatedError extends FramingError {
  readonly buffered: number;
  constructor(buffered: number, where: string) {
    super('ERR_FRAME_TRUNCATED', `stream ended inside a frame (${where}, ${buffered} bytes buffered)`);
    this.buffered = buffered;
  }
}

/** A frame did not complete within the deadline measured from its first byte. */
export class FrameDeadlineError extends FramingError {
  constructor(ms: number) {
    super('ERR_FRAME_DEADLINE', `frame not completed within ${ms} ms of its first byte`);
  }
}

/** A line body that contains the delimiter, so it cannot be framed by that delimiter. */
export class DelimiterInBodyError extends FramingError {
  /** Where the delimiter starts in the body. */
  readonly index: number;
  constructor(index: number) {
    super('ERR_DELIMITER_IN_BODY', `body contains the delimiter at byte ${index}`);
    this.index = index;
  }
}

/** An option outside its allowed values (e.g. a 3-byte length header). */
export class FramingOptionError extends FramingError {
  constructor(option: string, expected: string, found: unknown) {
    super('ERR_FRAMING_OPTION', `option ${option}: expected ${expected}, found ${String(found)}`);
  }
}

/** Reliable UDP gave up: the peer stopped acknowledging after the bounded number of retries. */
export class RudpGiveUpError extends FramingError {
  constructor(detail: string) {
    super('ERR_RUDP_GIVE_UP', `reliable UDP gave up: ${detail}`);
  }
}

/** A message was sent on a reliable-UDP connection that is closing or closed. */
export class RudpClosedError extends FramingError {
  constructor(state: string) {
    super('ERR_RUDP_CLOSED', `reliable UDP connection is ${state}`);
  }
}

/** The peer broke the reliable-UDP protocol (inconsistent fragments, oversized message). */
export class RudpProtocolError extends FramingError {
  constructor(detail: string) {
    super('ERR_RUDP_PROTOCOL', `reliable UDP protocol violation: ${detail}`);
  }
}
