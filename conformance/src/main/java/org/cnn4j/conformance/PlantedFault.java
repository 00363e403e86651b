package org.cnn4j.conformance;

import java.util.function.Consumer;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Upsample;

/**
 * Faults planted in a candidate's results after it computed them, through host copies of its own tensors, so the
 * same proof runs against any backend: for each fault the suite must fail at least one case
 * ({@link ConformanceSuite#plantedFaultTests}). This shows that the suite reads back and compares every output of
 * that backend, at the tolerances it uses for it. (backend-cpu's {@code PlantedFaultTest} plants faults inside
 * the reference's computation instead, to prove the operator database exercises each code path.)
 */
public enum PlantedFault {
    /** The last element of every output left as the NaN the suite poisoned it with. */
    UNWRITTEN_LAST_ELEMENT(null) {
        @Override
        void plant(Op op) {
            for (Tensor t : op.outputs().values()) {
                edit(t, v -> v[v.length - 1] = Double.NaN);
            }
        }
    },
    /** The convolution's output rows shifted down by one: a padding off by one on the top edge. */
    CONV_PADDING_OFF_BY_ONE("Conv2d.Forward") {
        @Override
        void plant(Op op) {
            Tensor y = ((Conv2d.Forward) op).y();
            Shape s = y.shape();
            int h = s.dim(2);
            int w = s.dim(3);
            edit(y, v -> {
                for (int plane = 0; plane < s.dim(0) * s.dim(1); plane++) {
                    int base = plane * h * w;
                    for (int r = h - 1; r > 0; r--) {
                        System.arraycopy(v, base + (r - 1) * w, v, base + r * w, w);
                    }
                    for (int c = 0; c < w; c++) {
                        v[base + c] = 0;
                    }
                }
            });
        }
    },
    /** The last output channel of a grouped convolution left at zero. */
    CONV_LAST_GROUP_CHANNEL_SKIPPED("Conv2d.Forward") {
        @Override
        void plant(Op op) {
            Conv2d.Forward f = (Conv2d.Forward) op;
            if (f.conv().groups() < 2) {
                return;
            }
            Shape s = f.y().shape();
            int k = s.dim(1);
            int plane = s.dim(2) * s.dim(3);
            edit(f.y(), v -> {
                for (int n = 0; n < s.dim(0); n++) {
                    java.util.Arrays.fill(v, (n * k + k - 1) * plane, (n * k + k) * plane, 0);
                }
            });
        }
    },
    /** The bias gradient of a convolution with the wrong sign. */
    CONV_BIAS_GRADIENT_NEGATED("Conv2d.BackwardFilter") {
        @Override
        void plant(Op op) {
            Tensor db = ((Conv2d.BackwardFilter) op).dBias();
            if (db != null) {
                edit(db, v -> {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = -v[i];
                    }
                });
            }
        }
    },
    /** The fully connected output off by one part in a thousand: a small error, above the tolerance. */
    LINEAR_OUTPUT_SCALED("Linear.Forward") {
        @Override
        void plant(Op op) {
            edit(((Linear.Forward) op).y(), v -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] *= 1.001;
                }
            });
        }
    },
    /** Upsampling's last output column a copy of the one before it: a source index clamped one too early. */
    UPSAMPLE_LAST_COLUMN_REPEATED("Upsample.Forward") {
        @Override
        void plant(Op op) {
            Tensor y = ((Upsample.Forward) op).y();
            int w = y.shape().dim(3);
            if (w < 2) {
                return;
            }
            edit(y, v -> {
                for (int row = 0; row < v.length / w; row++) {
                    v[row * w + w - 1] = v[row * w + w - 2];
                }
            });
        }
    },
    /** Every part of the concatenation's split read one element late: a block offset off by one. */
    CONCAT_SPLIT_OFFSET_OFF_BY_ONE("Concat.Backward") {
        @Override
        void plant(Op op) {
            for (Tensor t : ((Concat.Backward) op).dInputs()) {
                edit(t, v -> System.arraycopy(v, 1, v, 0, v.length - 1));
            }
        }
    };

    private final String target;

    PlantedFault(String target) {
        this.target = target;
    }

    /** The call this fault is planted in, or null for every call. */
    public String target() {
        return target;
    }

    /** Alters {@code op}'s outputs on its backend, after the backend computed them. */
    abstract void plant(Op op);

    /** The hook {@link ConformanceSuite#run(org.cnn4j.core.Backend, org.cnn4j.core.Backend, OpCase, Consumer)} takes. */
    Consumer<Op> hook() {
        return op -> {
            if (target == null || target.equals(op.name())) {
                plant(op);
            }
        };
    }

    private static void edit(Tensor t, Consumer<double[]> change) {
        double[] v = t.toDoubleArray();
        change.accept(v);
        t.copyFrom(v);
    }
}
