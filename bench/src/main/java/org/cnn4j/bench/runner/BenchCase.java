package org.cnn4j.bench.runner;

import java.util.function.Function;
import org.cnn4j.core.Backend;

/** A case: what it computes ({@link CaseSpec}) and how to build it on a backend. */
public record BenchCase(CaseSpec spec, Function<Backend, Instance> factory) {
    public String name() {
        return spec.name();
    }

    /** Allocates and fills the case's tensors on {@code backend}; the same seeds on every backend. */
    public Instance build(Backend backend) {
        return factory.apply(backend);
    }
}
