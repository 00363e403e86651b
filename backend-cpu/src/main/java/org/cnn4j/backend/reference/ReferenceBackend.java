package org.cnn4j.backend.reference;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;
import org.cnn4j.spi.AbstractBackend;

/**
 * The reference backend: the executable specification every other backend is tested against. Each operator is
 * a plain loop nest written from its formula (the family classes {@code *Reference}), single-threaded, with
 * every sum accumulated in double. Float32 outputs are rounded to float once, when the operator finishes.
 * It supports float32 and float64; float64 is what the finite-difference gradient checks use.
 *
 * <p>The class is open for one purpose: test backends that delegate to the reference and plant faults, to
 * prove that the conformance suite catches them.
 */
public class ReferenceBackend extends AbstractBackend {
    public ReferenceBackend() {
        this("reference");
    }

    /** A reference backend under another name (test backends built on it). */
    protected ReferenceBackend(String name) {
        super(name);
        // the device is the Java heap; every element is held as a double, twice a float32 tensor's counted bytes
        limitMemoryTo(Runtime.getRuntime().maxMemory() / 2);
    }

    @Override
    public String device() {
        return "host CPU, scalar double-precision loops";
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    @Override
    protected final boolean supportsOp(Op op) {
        return true;
    }

    @Override
    protected final Tensor allocateTensor(Shape shape, DType dtype) {
        double[] data;
        try {
            data = new double[shape.size()];
        } catch (OutOfMemoryError e) {
            // one array that did not fit: nothing was allocated, the heap is as it was
            throw org.cnn4j.core.DeviceMemoryException.heapExhausted(name(), 8L * shape.size(), shape);
        }
        return new ReferenceTensor(this, shape, dtype, data);
    }

    void released(ReferenceTensor t) {
        onRelease(t);
    }

    @Override
    public void synchronize() {
        checkOpen();
    }

    @Override
    protected void shutdown() {
        // Host arrays are reclaimed by the garbage collector.
    }

    /** The values of a reference tensor. */
    protected static double[] data(Tensor t) {
        return ((ReferenceTensor) t).data;
    }

    /** Rounds a float32 output to float after an operator wrote it in double. */
    protected static void finish(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            double[] d = data(t);
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) d[i];
            }
        }
    }

    @Override
    protected void run(Op op) {
        switch (op) {
            case Conv2d.Forward o -> Conv2dReference.forward(o);
            case Conv2d.BackwardData o -> Conv2dReference.backwardData(o);
            case Conv2d.BackwardFilter o -> Conv2dReference.backwardFilter(o);
            case Pool2d.Forward o -> Pool2dReference.forward(o);
            case Pool2d.Backward o -> Pool2dReference.backward(o);
            case BatchNorm.ForwardTraining o -> BatchNormReference.forwardTraining(o);
            case BatchNorm.ForwardInference o -> BatchNormReference.forwardInference(o);
            case BatchNorm.Backward o -> BatchNormReference.backward(o);
            case Activation.Forward o -> ActivationReference.forward(o);
            case Activation.Backward o -> ActivationReference.backward(o);
            case Prelu.Forward o -> PreluReference.forward(o);
            case Prelu.Backward o -> PreluReference.backward(o);
            case Softmax.Forward o -> SoftmaxReference.forward(o);
            case Softmax.Backward o -> SoftmaxReference.backward(o);
            case Dropout.Forward o -> DropoutReference.forward(o);
            case Dropout.Backward o -> DropoutReference.backward(o);
            case Linear.Forward o -> LinearReference.forward(o);
            case Linear.BackwardData o -> LinearReference.backwardData(o);
            case Linear.BackwardWeights o -> LinearReference.backwardWeights(o);
            case Gemm.Run o -> GemmReference.run(o);
            case Loss.Forward o -> LossReference.forward(o);
            case Loss.Backward o -> LossReference.backward(o);
            case L2Penalty.Forward o -> L2PenaltyReference.forward(o);
            case L2Penalty.Backward o -> L2PenaltyReference.backward(o);
            case Sgd.Step o -> OptimizerReference.sgd(o);
            case Adagrad.Step o -> OptimizerReference.adagrad(o);
            case RmsProp.Step o -> OptimizerReference.rmsProp(o);
            case Adam.Step o -> OptimizerReference.adam(o);
            case Fill.Run o -> ElementwiseReference.fill(o);
            case Copy.Run o -> ElementwiseReference.copy(o);
            case Add.Run o -> ElementwiseReference.add(o);
            case Scale.Run o -> ElementwiseReference.scale(o);
            case Axpy.Run o -> ElementwiseReference.axpy(o);
            case SumAxes.Run o -> ElementwiseReference.sumAxes(o);
            case Upsample.Forward o -> UpsampleReference.forward(o);
            case Upsample.Backward o -> UpsampleReference.backward(o);
            case Concat.Forward o -> ConcatReference.forward(o);
            case Concat.Backward o -> ConcatReference.backward(o);
            case BatchNorm.BackwardInference o -> BatchNormReference.backwardInference(o);
            case Sgd.Steps o -> OptimizerReference.sgd(o);
            case Adagrad.Steps o -> OptimizerReference.adagrad(o);
            case RmsProp.Steps o -> OptimizerReference.rmsProp(o);
            case Adam.Steps o -> OptimizerReference.adam(o);
        }
    }
}
