/** Destinations for images: the Sink seam, one factory per kind, the table of kinds, and wrappers. */
export type { ImageName, Sink, SinkOptions, SinkPlan, SinkResult, SinkWriteOptions } from './sink.js';
export { createSink, sinkForms, SINK_KINDS, type CreateSinkOptions, type SinkKind } from './kinds.js';
export { defaultLayoutSink, layoutSink, type LayoutSinkOptions } from './layout.js';
export { tarballSink, type TarballSinkOptions } from './tarball.js';
export { daemonSink, type DaemonSinkOptions } from './daemon.js';
export { registrySink, registrySinks, type RegistrySinkOptions } from './registry.js';
export { fanOut } from './fan-out.js';
export { hostImage, hostPlatformOnly, type HostPlatformOptions } from './host-platform.js';
