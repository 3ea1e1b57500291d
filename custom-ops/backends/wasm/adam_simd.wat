;; Adam's update (Kingma & Ba 2015, Algorithm 1) on float32 arrays in the wasm backend's own heap,
;; four lanes at a time, then a scalar tail:
;;   m' = β1·m + (1−β1)·g,   v' = β2·v + (1−β2)·g²,   W' = W − k·m' / (√(v'·c2) + ε),   k = α·c1,
;; c1 = 1/(1−β1^t), c2 = 1/(1−β2^t). Pointers are byte offsets; outputs never alias inputs.
;; Compiled to adam_simd_wasm.ts by `npm run build:wasm-simd` (wabt).
(module
  (import "env" "memory" (memory 0))
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $ow i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $b1 f32) (param $a1 f32) (param $b2 f32) (param $a2 f32) (param $k f32) (param $c2 f32) (param $eps f32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $B1 v128) (local $A1 v128) (local $B2 v128) (local $A2 v128) (local $K v128) (local $C2 v128) (local $E v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $A1 (f32x4.splat (local.get $a1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $A2 (f32x4.splat (local.get $a2)))
    (local.set $K (f32x4.splat (local.get $k)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $lanes_done
      (loop $lanes
        (br_if $lanes_done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $off))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $off))))
            (f32x4.mul (local.get $A1) (local.get $gv))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $off))))
            (f32x4.mul (local.get $A2) (f32x4.mul (local.get $gv) (local.get $gv)))))
        (v128.store (i32.add (local.get $om) (local.get $off)) (local.get $mv))
        (v128.store (i32.add (local.get $ov) (local.get $off)) (local.get $vv))
        (v128.store (i32.add (local.get $ow) (local.get $off))
          (f32x4.sub
            (v128.load (i32.add (local.get $w) (local.get $off)))
            (f32x4.div
              (f32x4.mul (local.get $K) (local.get $mv))
              (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vv) (local.get $C2))) (local.get $E)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $lanes)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $off))))
        (local.set $ms
          (f32.add
            (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $off))))
            (f32.mul (local.get $a1) (local.get $gs))))
        (local.set $vs
          (f32.add
            (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $off))))
            (f32.mul (local.get $a2) (f32.mul (local.get $gs) (local.get $gs)))))
        (f32.store (i32.add (local.get $om) (local.get $off)) (local.get $ms))
        (f32.store (i32.add (local.get $ov) (local.get $off)) (local.get $vs))
        (f32.store (i32.add (local.get $ow) (local.get $off))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $off)))
            (f32.div
              (f32.mul (local.get $k) (local.get $ms))
              (f32.add (f32.sqrt (f32.mul (local.get $vs) (local.get $c2))) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))))
