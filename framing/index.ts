// The public API of framing/: stream framings (length, line, json-header), stream adapters, reliable UDP.
export {
  FramingError,
  FrameTooLargeError,
  BadLengthError,
  BadHeaderError,
  HeaderTooLargeError,
  FrameTruncatedError,
  FrameDeadlineError,
  DelimiterInBodyError,
  FramingOptionError,
  RudpGiveUpError,
  RudpClosedError,
  RudpProtocolError,
} from './errors.ts';
export type { FrameDecoder, Framing } from './decoder.ts';
export { DEFAULT_MAX_FRAME } from './options.ts';
export { LengthDecoder, encodeLengthFrame, lengthHeader, lengthFraming, type LengthOptions } from './length.ts';
export { LineDecoder, encodeLine, lineFraming, type LineOptions } from './line.ts';
export {
  JsonHeaderDecoder,
  encodeJsonHeaderFrame,
  jsonHeaderFraming,
  DEFAULT_MAX_HEADER,
  type JsonHeader,
  type JsonHeaderFrame,
  type JsonHeaderMessage,
  type JsonHeaderOptions,
} from './json-header.ts';
export { FrameDeadline } from './deadline.ts';
export {
  FrameDecoderStream,
  FrameEncoderStream,
  readFrames,
  type DecodeOptions,
  type DecoderStreamOptions,
} from './stream.ts';
export { ReliableUdp, type ReliableUdpOptions, type RudpStats } from './reliable-udp/connection.ts';
export { connectReliableUdp, RudpListener } from './reliable-udp/socket.ts';
export { UdpTransport, type DatagramTransport, type UdpPeer, type UdpTransportOptions } from './reliable-udp/transport.ts';
export { LossyChannel, type LossyChannelOptions, type LinkConditions, type LinkStats } from './reliable-udp/lossy-channel.ts';
export { VirtualClock, realClock, type Clock } from './reliable-udp/clock.ts';
export { crc32 } from './reliable-udp/crc32.ts';
