package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.GlobalAvgPool2d;
import org.cnn4j.nn.layers.Graph;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.Sequential;
import org.cnn4j.nn.layers.Upsample;
import org.cnn4j.nn.data.detection.DetectionBatch;
import org.cnn4j.nn.data.detection.DetectionSample;
import org.cnn4j.nn.detection.DetectionTrainer;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.models.ResNets;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Optimizer;
import org.junit.jupiter.api.Test;

/**
 * Graph models on the OpenCL device against the reference, forward and backward: a ResNet stage (a strided block
 * with a projection shortcut, an identity block) with global average pooling and a classifier, and a small
 * feature pyramid (upsampling, addition, concatenation, a head shared over two levels, two outputs), and seed
 * 003's small detector (eight outputs). Every output, the input gradient and every parameter gradient must agree
 * within 1e-4 of each tensor's largest value. And the full seed 003 detector runs a training step.
 */
class OpenClGraphParityTest {
    private static Layer stage(Backend b) {
        return new Sequential(b).add(ResNets.basicBlock(b, 8, 16, 2)).add(ResNets.basicBlock(b, 16, 16, 1))
                .add(new GlobalAvgPool2d(b)).add(new Flatten(b)).add(new Linear(b, 16, 10));
    }

    private static Graph pyramid(Backend b) {
        try (Graph.Builder g = Graph.builder(b)) {
            Graph.Node x = g.input();
            Graph.Node c3 = g.apply("c3", new Conv2d(b, 8, 8, 3, 1, 1), x);
            Graph.Node c4 = g.apply("c4", new Conv2d(b, 8, 8, 3, 2, 1), c3);
            Graph.Node p4 = g.apply("inner4", new Conv2d(b, 8, 6, 1, 1, 0), c4);
            Graph.Node p3 = g.add(g.apply("inner3", new Conv2d(b, 8, 6, 1, 1, 0), c3),
                    g.apply("up", new Upsample(b, 2), p4));
            Sequential head = new Sequential(b).add(new Conv2d(b, 6, 6, 3, 1, 1))
                    .add(org.cnn4j.nn.layers.Activation.relu(b)).add(new Conv2d(b, 6, 3, 3, 1, 1));
            Graph.Node o3 = g.apply("head", head, p3);
            Graph.Node o4 = g.apply("head", head, p4);
            return g.build(g.concat(1, o3, p3), o4);
        }
    }

    @Test
    void aResNetStageMatchesTheReference() {
        OpenClTestSupport.requireDevice();
        Shape in = Shape.of(4, 8, 12, 12);
        List<float[]> ref;
        try (Backend b = new ReferenceBackend(); Layer net = stage(b)) {
            ref = run(b, net, in, List.of(Shape.of(4, 10)));
        }
        try (Backend b = OpenClBackend.open(); Layer net = stage(b)) {
            compare(ref, run(b, net, in, List.of(Shape.of(4, 10))));
        }
    }

    @Test
    void aPyramidWithASharedHeadMatchesTheReference() {
        OpenClTestSupport.requireDevice();
        Shape in = Shape.of(2, 8, 8, 8);
        List<Shape> outs = List.of(Shape.of(2, 9, 8, 8), Shape.of(2, 3, 4, 4));
        List<float[]> ref;
        try (Backend b = new ReferenceBackend(); Graph net = pyramid(b)) {
            assertEquals(outs, net.outputShapes(in));
            ref = run(b, net, in, outs);
        }
        try (Backend b = OpenClBackend.open(); Graph net = pyramid(b)) {
            compare(ref, run(b, net, in, outs));
        }
    }

    @Test
    void theSmallDetectorMatchesTheReference() {
        OpenClTestSupport.requireDevice();
        Shape in = Shape.of(2, 1, 64, 64);
        List<float[]> ref;
        try (Backend b = new ReferenceBackend();
                RetinaNet d = Models.detector("seed003-detector-small", b, 1, 2, 5, Init.PYTORCH_DEFAULT)) {
            d.net().needsInputGradient(true);
            ref = run(b, d.net(), in, d.outputShapes(2, 64, 64));
        }
        try (Backend b = OpenClBackend.open();
                RetinaNet d = Models.detector("seed003-detector-small", b, 1, 2, 5, Init.PYTORCH_DEFAULT)) {
            d.net().needsInputGradient(true);
            compare(ref, run(b, d.net(), in, d.outputShapes(2, 64, 64)));
        }
    }

    /** The full seed 003 detector (ResNet-50 backbone) runs a training step on the OpenCL device. */
    @Test
    void theSeed003DetectorTrainsOnOpenCl() {
        OpenClTestSupport.requireDevice();
        float[] px = new float[3 * 64 * 64];
        for (int c = 0; c < 3; c++) {
            for (int y = 12; y < 34; y++) {
                for (int x = 8; x < 30; x++) {
                    px[(c * 64 + y) * 64 + x] = 0.9f;
                }
            }
        }
        DetectionBatch batch = DetectionBatch.collate(List.of(new DetectionSample(3, 64, 64, px,
                new float[] {8, 12, 30, 34}, new int[] {0})), 32);
        try (Backend b = OpenClBackend.open();
                RetinaNet det = Models.detector("seed003-detector", b, 3, 1, 7, Init.PYTORCH_DEFAULT);
                Optimizer opt = new Optimizer(b, det.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.SGD, 1e-4));
                DetectionTrainer t = new DetectionTrainer(det, opt, Models.detectorAnchors("seed003-detector"),
                        DetectionTrainer.Config.paper())) {
            DetectionTrainer.StepLoss l = t.step(batch);
            assertTrue(Double.isFinite(l.total()) && l.foreground() > 0, l.toString());
        }
    }

    /** Outputs, then the input gradient, then every parameter gradient, after one forward and backward. */
    private static List<float[]> run(Backend b, Layer net, Shape in, List<Shape> outs) {
        net.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(11));
        SplittableRandom r = new SplittableRandom(12);
        List<float[]> result = new ArrayList<>();
        List<Tensor> dys = new ArrayList<>();
        try (Tensor x = b.fromArray(in, random(in.size(), r))) {
            for (Shape s : outs) {
                dys.add(b.fromArray(s, random(s.size(), r)));
            }
            Tensor dx;
            if (net instanceof Graph g) {
                for (Tensor y : g.forwardAll(x)) {
                    result.add(y.toFloatArray());
                }
                dx = g.backwardAll(dys);
            } else {
                result.add(net.forward(x).toFloatArray());
                dx = net.backward(dys.getFirst());
            }
            result.add(dx.toFloatArray());
            for (Parameter p : net.parameters().values()) {
                result.add(p.grad().toFloatArray());
            }
        } finally {
            dys.forEach(Tensor::close);
        }
        return result;
    }

    private static float[] random(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }

    private static void compare(List<float[]> want, List<float[]> got) {
        assertEquals(want.size(), got.size());
        for (int k = 0; k < want.size(); k++) {
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < want.get(k).length; i++) {
                scale = Math.max(scale, Math.abs(want.get(k)[i]));
                worst = Math.max(worst, Math.abs(want.get(k)[i] - got.get(k)[i]));
            }
            assertTrue(worst <= 1e-4 * Math.max(scale, 1e-3), "tensor " + k + ": largest difference " + worst
                    + ", largest value " + scale);
        }
    }
}
