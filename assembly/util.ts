// Shared helpers of the AssemblyScript kernels.

/** Byte address of element index p of the f32 heap (pointers are element indices, see src/core/kernels.ts). */
// @ts-ignore: decorator
@inline export function at(p: i32): usize { return <usize>p << 2; }

/** a·b + c: one fused op on the relaxed-simd build, mul then add on plain simd. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
