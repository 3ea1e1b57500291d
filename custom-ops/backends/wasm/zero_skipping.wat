;; Products with a mostly-zero left operand on the wasm backend's heap (its first layer: X·W and
;; Xᵀ·G, 81 % of MNIST's pixels are 0): row r of C = Σ over the nonzeros A[r,k] of op(A), in
;; ascending k, of A[r,k]·B[k,:], sixteen columns of C in four SIMD registers at a time, then the
;; optional bias and relu. Work is proportional to the nonzeros. A zero of A meets B only as 0·B[k,j],
;; 0 unless B[k,j] is ±Inf or NaN: the caller checks B with all_finite first. Pointers are byte
;; offsets; C never aliases A or B; `lists` is 8·k bytes of scratch (each row's B offsets and values).
;; Compiled to zero_skipping_wasm.ts by `npm run build:wasm-simd` (wabt).
(module
  (import "env" "memory" (memory 0))
    (func (export "sparse_matmul")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32) (param $ta i32) (param $lists i32)
    (param $bias i32) (param $relu i32)
    (local $r i32) (local $kk i32) (local $count i32) (local $v f32) (local $vals i32)
    (local $j i32) (local $end16 i32) (local $t i32) (local $p i32) (local $s v128) (local $crow i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $sum f32) (local $rowbytes i32)
    (local.set $vals (i32.add (local.get $lists) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $end16 (i32.and (local.get $n) (i32.const -16)))
    (local.set $rowbytes (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $m)))
      ;; list the nonzeros of row r of op(A)
      (local.set $count (i32.const 0))
      (local.set $kk (i32.const 0))
      (block $list_done (loop $list
        (br_if $list_done (i32.ge_u (local.get $kk) (local.get $k)))
        (local.set $v (f32.load (i32.add (local.get $a) (i32.shl
          (select (i32.add (i32.mul (local.get $kk) (local.get $m)) (local.get $r)) (i32.add (i32.mul (local.get $r) (local.get $k)) (local.get $kk)) (local.get $ta))
          (i32.const 2)))))
        (i32.store (i32.add (local.get $lists) (i32.shl (local.get $count) (i32.const 2))) (i32.mul (local.get $kk) (local.get $rowbytes)))
        (f32.store (i32.add (local.get $vals) (i32.shl (local.get $count) (i32.const 2))) (local.get $v))
        (local.set $count (i32.add (local.get $count) (f32.ne (local.get $v) (f32.const 0))))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $list)))
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $rowbytes))))
      (local.set $j (i32.const 0))
      (block $tiles_done (loop $tiles
        (br_if $tiles_done (i32.ge_u (local.get $j) (local.get $end16)))
        (local.set $acc0 (v128.const i32x4 0 0 0 0)) (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0)) (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $t (i32.const 0))
        (block $nz_done (loop $nz
          (br_if $nz_done (i32.ge_u (local.get $t) (local.get $count)))
          (local.set $p (i32.add (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
            (i32.load (i32.add (local.get $lists) (i32.shl (local.get $t) (i32.const 2))))))
          (local.set $s (f32x4.splat (f32.load (i32.add (local.get $vals) (i32.shl (local.get $t) (i32.const 2))))))
          (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $s) (v128.load offset=0 (local.get $p)))))
          (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $p)))))
          (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $p)))))
          (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $p)))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $nz)))
        (local.set $p (i32.add (local.get $crow) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store offset=0 (local.get $p) (local.get $acc0))
        (v128.store offset=16 (local.get $p) (local.get $acc1))
        (v128.store offset=32 (local.get $p) (local.get $acc2))
        (v128.store offset=48 (local.get $p) (local.get $acc3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $tiles)))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $sum (f32.const 0))
        (local.set $t (i32.const 0))
        (block $cnz_done (loop $cnz
          (br_if $cnz_done (i32.ge_u (local.get $t) (local.get $count)))
          (local.set $sum (f32.add (local.get $sum) (f32.mul
            (f32.load (i32.add (local.get $vals) (i32.shl (local.get $t) (i32.const 2))))
            (f32.load (i32.add (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (i32.load (i32.add (local.get $lists) (i32.shl (local.get $t) (i32.const 2)))))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $cnz)))
        (f32.store (i32.add (local.get $crow) (i32.shl (local.get $j) (i32.const 2))) (local.get $sum))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (call $epilogue (local.get $crow) (local.get $n) (local.get $bias) (local.get $relu))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

  ;; row[j] += bias[j] when bias ≠ 0, then relu (max(0, x), NaN kept) when relu ≠ 0.
  (func $epilogue (param $row i32) (param $n i32) (param $bias i32) (param $relu i32)
    (local $j i32) (local $x f32)
    (if (i32.eqz (i32.or (local.get $bias) (local.get $relu))) (then (return)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $x (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
      (if (local.get $bias) (then
        (local.set $x (f32.add (local.get $x) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
      (if (local.get $relu) (then
        (local.set $x (select (f32.const 0) (local.get $x) (f32.lt (local.get $x) (f32.const 0))))))
      (f32.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))) (local.get $x))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $each))))

  ;; 1 when none of the n floats at x is ±Inf or NaN (exponent bits all ones), else 0.
  (func (export "all_finite") (param $x i32) (param $n i32) (result i32)
    (local $i i32) (local $end4 i32) (local $seen v128) (local $bits i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $lanes_done (loop $lanes
      (br_if $lanes_done (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $seen (v128.or (local.get $seen)
        (i32x4.eq (v128.and (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
                  (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $lanes)))
    (if (v128.any_true (local.get $seen)) (then (return (i32.const 0))))
    (block $tail_done (loop $tail
      (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $bits (i32.and (i32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 0x7f800000)))
      (if (i32.eq (local.get $bits) (i32.const 0x7f800000)) (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    (i32.const 1)))
