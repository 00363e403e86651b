package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CasesTest {
    private static Map<String, Object> params(String name) {
        return Cases.byName(name).spec().params();
    }

    @Test
    void namesAreUniqueAndPlain() {
        Set<String> names = new HashSet<>();
        for (CaseSpec s : Cases.specs()) {
            assertTrue(names.add(s.name()), "duplicate " + s.name());
            assertTrue(s.name().matches("[a-z0-9-]+(/[a-z0-9-]+)+"), s.name());
            assertTrue(s.flops() > 0 || s.bytes() > 0, s.name() + " has neither flops nor bytes");
            assertEquals(s.flops() > 0, List.of("gemm", "conv2d", "linear", "train-step").contains(s.kind()),
                    s.name());
        }
    }

    @Test
    void theCasesIssue7NamesArePresent() {
        for (int n : new int[] {1024, 2048, 4096}) {
            assertTrue(Cases.byName("sgemm/" + n).spec().hasTag("required"));
            assertEquals(2.0 * n * n * n, Cases.byName("sgemm/" + n).spec().flops());
        }
        Map<String, Integer> convLayers = Map.of("lenet5-b64", 2, "seed002-b64", 4, "alexnet-b8", 5);
        for (Map.Entry<String, Integer> e : convLayers.entrySet()) {
            for (int i = 1; i <= e.getValue(); i++) {
                for (String pass : new String[] {"fwd", "fwdbwd"}) {
                    CaseSpec s = Cases.byName(e.getKey() + "/conv" + i + "/" + pass).spec();
                    assertTrue(s.hasTag("required"), s.name());
                }
            }
            assertTrue(Cases.specs().stream().noneMatch(s -> s.name().equals(e.getKey() + "/conv"
                    + (e.getValue() + 1) + "/fwd")), "more conv layers than the model has in " + e.getKey());
        }
        for (String net : new String[] {"lenet5-b64", "seed002-b64"}) {
            CaseSpec s = Cases.byName(net + "/train-step").spec();
            assertEquals(64, s.items());
            assertEquals(List.of(1, 28, 28), s.params().get("sample"));
            assertTrue(s.hasTag("required") && s.hasTag("quick"));
        }
    }

    @Test
    void shapesAreTheZoosShapes() {
        // LeNet-5 on 28x28x1: conv 6@5x5 padding 2, pool, conv 16@5x5 (seed 002)
        assertEquals(List.of(64, 1, 28, 28), params("lenet5-b64/conv1/fwd").get("x"));
        assertEquals(2, params("lenet5-b64/conv1/fwd").get("padding"));
        assertEquals(List.of(64, 6, 14, 14), params("lenet5-b64/conv2/fwd").get("x"));
        assertEquals(16, params("lenet5-b64/conv2/fwd").get("out_channels"));
        assertEquals(2.0 * 64 * 6 * 28 * 28 * 25, Cases.byName("lenet5-b64/conv1/fwd").spec().flops());
        assertEquals(3 * 2.0 * 64 * 6 * 28 * 28 * 25, Cases.byName("lenet5-b64/conv1/fwdbwd").spec().flops());
        // the seed 002 CNN: 32, 32, pool, 64, 64 of 3x3 same
        assertEquals(List.of(64, 32, 28, 28), params("seed002-b64/conv2/fwd").get("x"));
        assertEquals(List.of(64, 64, 14, 14), params("seed002-b64/conv4/fwd").get("x"));
        assertEquals(List.of(64, 3136), params("seed002-b64/fc1/fwd").get("x"));
        // AlexNet (one tower): 96@11x11/4 on 227x227x3, ..., 256@3x3 on 13x13x384
        assertEquals(List.of(8, 3, 227, 227), params("alexnet-b8/conv1/fwd").get("x"));
        assertEquals(4, params("alexnet-b8/conv1/fwd").get("stride"));
        assertEquals(List.of(8, 384, 13, 13), params("alexnet-b8/conv5/fwd").get("x"));
        assertEquals(256, params("alexnet-b8/conv5/fwd").get("out_channels"));
        assertEquals(List.of(128, 96, 27, 27), params("alexnet-b128/conv2/fwd").get("x"));
        assertEquals(List.of(128, 9216), params("alexnet-b128/fc1/fwd").get("x"));
        // one Adam step over every trainable parameter
        assertEquals(61_706, params("lenet5-b64/adam/step").get("size"));
        assertEquals(266_794, params("seed002-b64/adam/step").get("size"));
        assertEquals(62_378_344, params("alexnet-b8/adam/step").get("size"));
    }

    @Test
    void quickIsASmallSubset() {
        List<BenchCase> quick = Runner.select(true, null);
        assertTrue(quick.size() < Cases.all().size() / 3, quick.size() + " quick cases");
        assertTrue(quick.stream().allMatch(c -> c.spec().hasTag("quick")));
        assertTrue(quick.stream().noneMatch(c -> c.name().startsWith("alexnet")));
        assertEquals(List.of("lenet5-b64/conv2/fwdbwd"), Runner.select(false,
                java.util.regex.Pattern.compile("lenet5-b64/conv2/fwdbwd")).stream().map(BenchCase::name).toList());
    }
}
