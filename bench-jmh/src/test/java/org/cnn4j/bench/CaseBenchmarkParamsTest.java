package org.cnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.cnn4j.bench.runner.BenchCase;
import org.cnn4j.bench.runner.Cases;
import org.openjdk.jmh.annotations.Param;
import org.junit.jupiter.api.Test;

class CaseBenchmarkParamsTest {
    @Test
    void theJmhDefaultsAreTheRequiredCases() throws NoSuchFieldException {
        List<String> jmh = Arrays.asList(CaseBenchmark.class.getField("name").getAnnotation(Param.class).value());
        List<String> required = Cases.all().stream().filter(c -> c.spec().hasTag("required")).map(BenchCase::name)
                .toList();
        assertEquals(required.stream().sorted().toList(), jmh.stream().sorted().toList());
    }
}
