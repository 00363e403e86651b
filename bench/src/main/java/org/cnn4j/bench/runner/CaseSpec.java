package org.cnn4j.bench.runner;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one benchmark case computes, in plain data: what {@code cnn4j bench --plan} writes for
 * {@code bench/pytorch/bench_torch.py}, so that both sides run the same shapes under the same names.
 *
 * @param name   unique name, {@code <net>/<layer>/<pass>} ({@code lenet5-b64/conv1/fwd}) or {@code sgemm/1024}
 * @param group  {@code gemm}, {@code conv}, {@code op} or {@code train}
 * @param kind   {@code gemm}, {@code conv2d}, {@code maxpool2d}, {@code relu}, {@code batchnorm2d},
 *               {@code dropout}, {@code linear}, {@code softmax-xent}, {@code adam} or {@code train-step}
 * @param pass   {@code fwd}, {@code bwd}, {@code bwd-data}, {@code bwd-filter}, {@code bwd-weights},
 *               {@code fwdbwd} (forward, backward data and backward filter), {@code step}
 * @param net    the network configuration the shapes come from ({@code lenet5-b64}), or {@code gemm}
 * @param params the shapes and settings, by kind (see {@link Cases}); ints, doubles, booleans, strings and lists
 *               of ints only
 * @param flops  floating-point operations per call (a multiply-add counts 2); 0 for memory-bound operators
 * @param bytes  the least memory traffic per call: every input read and every output written once, float32
 * @param items  images per call for a training step (its throughput in images/s), else 0
 * @param tags   {@code quick} (in {@code --quick}), {@code required} (the cases issue 7 names)
 */
public record CaseSpec(String name, String group, String kind, String pass, String net, Map<String, Object> params,
        double flops, double bytes, int items, List<String> tags) {
    public CaseSpec {
        params = Collections.unmodifiableMap(new TreeMap<>(params)); // keys in a fixed order: a stable plan file
        tags = List.copyOf(tags);
    }

    /** True when the case is measured in GFLOP/s (else in GB/s). */
    public boolean computeBound() {
        return flops > 0;
    }

    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }
}
