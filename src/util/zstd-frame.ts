import type { Zstd } from '@hpcc-js/wasm-zstd';

let loaded: Promise<Zstd> | undefined;
/** libzstd's WebAssembly, loaded at its first use (on this thread): a gzip build never pays for it. */
export function loadZstd(): Promise<Zstd> {
  loaded ??= import('@hpcc-js/wasm-zstd').then((m) => m.Zstd.load());
  return loaded;
}

/** The parts of @hpcc-js/wasm-zstd's Zstd object that its own `compress` uses (1.12: not in its types). */
interface ZstdInternals {
  _mainModule: {
    dataToHeap(data: Uint8Array): { ptr: number; size: number };
    malloc(size: number): { ptr: number; size: number };
    free(block: { ptr: number; size: number }): void;
    _module: { HEAPU8: Uint8Array };
  };
  _zstdClass: {
    compressBound(size: number): number;
    compress(dst: number, capacity: number, src: number, size: number, level: number): number;
    isError(code: number): boolean;
    getErrorName(code: number): string;
  };
}

function internalsOf(encoder: Zstd): ZstdInternals | undefined {
  const z = encoder as unknown as Partial<ZstdInternals>;
  const m = z._mainModule;
  const c = z._zstdClass;
  const fns = [m?.dataToHeap, m?.malloc, m?.free, c?.compressBound, c?.compress, c?.isError, c?.getErrorName];
  return fns.every((f) => typeof f === 'function') && m?._module?.HEAPU8 instanceof Uint8Array
    ? (z as ZstdInternals)
    : undefined;
}

/**
 * One zstd frame of `data`, by the same libzstd call `Zstd.compress` makes (ZSTD_compress, one shot), so the same
 * bytes; but its answer is copied out of the WebAssembly heap in one `slice`, where `Zstd.compress` spreads it
 * into a JavaScript array byte by byte: that copy took five sixths of its time (level 3, 4 MiB of a Go binary:
 * 15 -> 81 MB/s). Falls back to `Zstd.compress` when a release of the package changes its internals (the test
 * of this file fails then, to be looked at).
 */
export function compressFrame(encoder: Zstd, data: Uint8Array, level: number): Buffer {
  const z = internalsOf(encoder);
  if (!z) {
    const out = encoder.compress(data, level);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
  const heap = z._mainModule;
  const src = heap.dataToHeap(data);
  try {
    const capacity = z._zstdClass.compressBound(data.length);
    const dst = heap.malloc(capacity);
    try {
      const size = z._zstdClass.compress(dst.ptr, capacity, src.ptr, src.size, level);
      if (z._zstdClass.isError(size))
        throw new Error(`zstd compression failed: ${z._zstdClass.getErrorName(size)}`);
      // HEAPU8 is read only now: the malloc above may have grown the heap and replaced it. The slice owns its
      // memory, which a helper then hands over whole (never a view of Node's shared pool of small buffers).
      const frame = heap._module.HEAPU8.slice(dst.ptr, dst.ptr + size);
      return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    } finally {
      heap.free(dst);
    }
  } finally {
    heap.free(src);
  }
}

/** Whether `compressFrame` takes its fast way with this encoder (the installed package's internals fit). */
export function fastFrames(encoder: Zstd): boolean {
  return internalsOf(encoder) !== undefined;
}
