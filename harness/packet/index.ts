/** The packet library: build, parse, compare and store Ethernet frames. */
export * from './addr.js';
export * from './build.js';
export * from './checksum.js';
export * from './diff.js';
export * from './headers.js';
export * from './parse.js';
export * from './pcap.js';
