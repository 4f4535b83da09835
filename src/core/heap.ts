// One flat memory for parameters, gradients, optimiser state and
// activations (ARCHITECTURE.md "Memory model"). A bump allocator hands out
// element indices; model code keeps indices, never views, because growing
// a wasm memory detaches every view taken before it.

export type FloatArray = Float32Array | Float64Array;

/** Where the bytes live: a wasm memory, or a plain ArrayBuffer for the js twin. */
export interface Storage {
  readonly bytesPerElement: 4 | 8;
  buffer(): ArrayBuffer;
  /** Make the buffer at least `bytes` long, keeping its contents. */
  ensure(bytes: number): void;
}

// Elements: 64 bytes in f32, a cache line, not just the 16 bytes f32x4
// needs: a 16-float row of the gemm's packed panels that starts mid-line
// spans two lines. A training thread's packing scratch (a heap buffer) did,
// and its forward ran ~10% slower than the owner's (bench/profile-threads.ts).
const ALIGN = 16;

export class Heap {
  private top: number;

  /**
   * A `mirror` hands out the addresses another heap on the same storage
   * handed out, in the same order, without touching the contents: another
   * thread's view of a heap its owner already filled (src/threads/).
   */
  constructor(
    private readonly storage: Storage,
    baseElement: number,
    private readonly mirror = false,
  ) {
    this.top = Math.ceil(Math.max(baseElement, ALIGN) / ALIGN) * ALIGN; // never hand out 0 (NULL)
  }

  /** n zeroed elements, aligned; returns their index. */
  alloc(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`heap.alloc: bad size ${n}`);
    const p = this.top;
    this.top = p + Math.ceil(n / ALIGN) * ALIGN;
    if (this.mirror) return p;
    this.storage.ensure(this.top * this.storage.bytesPerElement);
    this.view(p, n).fill(0);
    return p;
  }

  /** Allocate and fill from `values`. */
  allocFrom(values: ArrayLike<number>): number {
    const p = this.alloc(values.length);
    if (!this.mirror) this.view(p, values.length).set(values);
    return p;
  }

  /** Everything allocated after `mark()` is released by `release(mark)`. */
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    this.top = mark;
  }

  /** A fresh view of n elements at p (do not keep it across allocations). */
  view(p: number, n: number): FloatArray {
    const buf = this.storage.buffer();
    return this.storage.bytesPerElement === 4 ? new Float32Array(buf, p * 4, n) : new Float64Array(buf, p * 8, n);
  }

  /** The whole heap as one array, for the js twin's index arithmetic. */
  all(): FloatArray {
    return this.view(0, this.storage.buffer().byteLength / this.storage.bytesPerElement);
  }
}

/** Growable ArrayBuffer storage for the js twin. */
export function arrayStorage(bytesPerElement: 4 | 8): Storage {
  let buf = new ArrayBuffer(1 << 16);
  return {
    bytesPerElement,
    buffer: () => buf,
    ensure(bytes) {
      if (bytes <= buf.byteLength) return;
      const next = new ArrayBuffer(Math.max(bytes, buf.byteLength * 2));
      new Uint8Array(next).set(new Uint8Array(buf));
      buf = next;
    },
  };
}

/** A wasm memory as storage: grows by whole 64 KiB pages. */
export function wasmStorage(memory: WebAssembly.Memory): Storage {
  return {
    bytesPerElement: 4,
    buffer: () => memory.buffer,
    ensure(bytes) {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
    },
  };
}
