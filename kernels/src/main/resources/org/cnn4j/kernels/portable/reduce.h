/*
 * reduce.h: the work-group sum shared by the reduction kernels (included by the backend before kernels that
 * use it). Work-groups of REDUCE_WG (256) work-items along axis 0; each work-item brings one partial sum.
 * Work-items accumulate their partial sums with Kahan compensation (KAHAN_ADD), so a sum over a long channel
 * loses no more than the final tree does.
 */
#define REDUCE_WG 256

#define KAHAN_ADD(sum, comp, v) do { float y_ = (v) - (comp); float t_ = (sum) + y_; \
        (comp) = (t_ - (sum)) - y_; (sum) = t_; } while (0)

/* The sum of v over the work-group, returned to every work-item; s holds REDUCE_WG floats. */
DEVICE_FN float group_sum(LOCAL_PTR float* s, float v) {
    int t = LID0;
    s[t] = v;
    SYNC();
    for (int o = REDUCE_WG / 2; o > 0; o >>= 1) {
        if (t < o) {
            s[t] += s[t + o];
        }
        SYNC();
    }
    float r = s[0];
    SYNC();
    return r;
}
