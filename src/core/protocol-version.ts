// The wire protocol version, negotiated in hello; bump on any incompatible change to machine or phone messages.
export const PROTOCOL_VERSION = 1;
