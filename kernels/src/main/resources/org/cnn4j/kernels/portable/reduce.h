/*
 * reduce.h: the work-group sums shared by the reduction kernels (inlined by the backend, or found by the CUDA
 * compiler's include path). Work-groups of REDUCE_WG (256) work-items along axis 0.
 *
 * Sums are double-float: each work-item keeps its partial sum as hi + lo, where ACC_ADD adds a value with the
 * rounding error of the addition recovered exactly (Knuth's TwoSum) into lo, and ACC_ADD_PROD also recovers the
 * rounding error of a product with an FMA. group_sum2 combines the work-items' (hi, lo) pairs the same way in a
 * tree. The result is the float nearest the exact sum almost always, as the reference's double sums rounded
 * to float are, however long the channel or however much its terms cancel. Where the plain sum of the his is
 * infinite or NaN (an infinite or NaN term, or overflow) it is the result: the error terms are NaN there, and
 * IEEE arithmetic gives inf for a sum with +inf, NaN for one with +inf and -inf or a NaN.
 */
#define REDUCE_WG 256

#define ACC_ADD(hi, lo, v) do { const float a_ = (v); const float s_ = (hi) + a_; const float b_ = s_ - (hi); \
        (lo) += ((hi) - (s_ - b_)) + (a_ - b_); (hi) = s_; } while (0)

#define ACC_ADD_PROD(hi, lo, x, y) do { const float px_ = (x); const float py_ = (y); const float p_ = px_ * py_; \
        (lo) += FMAF(px_, py_, -p_); ACC_ADD(hi, lo, p_); } while (0)

/* The sum of hi + lo over the work-group, returned to every work-item; s and e hold REDUCE_WG floats each. */
DEVICE_FN float group_sum2(LOCAL_PTR float* s, LOCAL_PTR float* e, float hi, float lo) {
    const int t = LID0;
    s[t] = hi;
    e[t] = lo;
    SYNC();
    for (int o = REDUCE_WG / 2; o > 0; o >>= 1) {
        if (t < o) {
            const float a = s[t];
            const float b = s[t + o];
            const float sum = a + b;
            const float bb = sum - a;
            e[t] += e[t + o] + ((a - (sum - bb)) + (b - bb));
            s[t] = sum;
        }
        SYNC();
    }
    /* an infinite or NaN sum is the sum of the his alone: TwoSum's error term is NaN there (inf - inf) */
    const float r = ISFINITEF(s[0]) ? s[0] + e[0] : s[0];
    SYNC();
    return r;
}
