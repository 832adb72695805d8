/** The image model: digests, descriptors, manifests, configs, layers, images and indexes. */
export * from './compression.js';
export * from './config.js';
export * from './descriptor.js';
export * from './digest.js';
export * from './file-layer.js';
export * from './image.js';
export * from './layer.js';
export * from './gzip-compression.js';
export * from './layer-compression.js';
export * from './layer-writer.js';
export * from './manifest.js';
export * from './media-types.js';
export * from './mutate.js';
export * from './partial.js';
export * from './platform.js';
export * from './validate.js';
export * from './layout-paths.js';
