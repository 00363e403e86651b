package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One operator call: a descriptor's parameters bound to the tensors it reads and writes. Each permitted record
 * validates ranks, shapes, dtypes and parameters in its constructor, so an invalid call cannot be built and a
 * backend never sees one. Switches over {@code Op} have no default branch: adding an operator breaks the build
 * of every backend until it handles it.
 *
 * <p>Families and their calls (names follow PyTorch):
 * <ul>
 *   <li>{@link Conv2d}: {@code Forward}, {@code BackwardData}, {@code BackwardFilter}</li>
 *   <li>{@link Pool2d}: {@code Forward}, {@code Backward}</li>
 *   <li>{@link BatchNorm}: {@code ForwardTraining}, {@code ForwardInference}, {@code Backward},
 *       {@code BackwardInference}</li>
 *   <li>{@link Activation} (ReLU, leaky ReLU, ELU, sigmoid, tanh) and {@link Prelu}: {@code Forward},
 *       {@code Backward}</li>
 *   <li>{@link Softmax} (and log-softmax): {@code Forward}, {@code Backward}</li>
 *   <li>{@link Dropout}: {@code Forward}, {@code Backward}</li>
 *   <li>{@link Linear}: {@code Forward}, {@code BackwardData}, {@code BackwardWeights}; {@link Gemm}</li>
 *   <li>{@link Loss} (softmax cross-entropy, MSE, MAE, hinge, BCE with logits, sigmoid focal, smooth L1; mean,
 *       sum or no reduction) and {@link L2Penalty}: {@code Forward}, {@code Backward}</li>
 *   <li>optimizer steps: {@link Sgd}, {@link Adagrad}, {@link RmsProp}, {@link Adam}; their {@code Steps} update many
 *       parameters in one call (PyTorch's multi-tensor {@code _foreach} optimizers)</li>
 *   <li>element-wise helpers: {@link Fill}, {@link Copy}, {@link Add}, {@link Scale}, {@link Axpy},
 *       {@link SumAxes}</li>
 *   <li>{@link Upsample} (nearest): {@code Forward}, {@code Backward}</li>
 *   <li>{@link Concat}: {@code Forward}, {@code Backward} (the split)</li>
 * </ul>
 *
 * <p>Outputs are overwritten, never accumulated, except where a call documents an in-place update (optimizer
 * parameters and state, running statistics, {@link L2Penalty.Backward}, {@link Axpy}); those tensors appear in
 * both {@link #inputs()} and {@link #outputs()}.
 */
public sealed interface Op
        permits Conv2d.Forward, Conv2d.BackwardData, Conv2d.BackwardFilter,
                Pool2d.Forward, Pool2d.Backward,
                BatchNorm.ForwardTraining, BatchNorm.ForwardInference, BatchNorm.Backward,
                Activation.Forward, Activation.Backward,
                Prelu.Forward, Prelu.Backward,
                Softmax.Forward, Softmax.Backward,
                Dropout.Forward, Dropout.Backward,
                Linear.Forward, Linear.BackwardData, Linear.BackwardWeights,
                Gemm.Run,
                Loss.Forward, Loss.Backward,
                L2Penalty.Forward, L2Penalty.Backward,
                Sgd.Step, Adagrad.Step, RmsProp.Step, Adam.Step,
                Fill.Run, Copy.Run, Add.Run, Scale.Run, Axpy.Run, SumAxes.Run,
                Upsample.Forward, Upsample.Backward,
                Concat.Forward, Concat.Backward,
                BatchNorm.BackwardInference,
                Sgd.Steps, Adagrad.Steps, RmsProp.Steps, Adam.Steps {

    /** The call's name, {@code Family.Call} ({@code Conv2d.Forward}). */
    default String name() {
        Class<?> c = getClass();
        return c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName();
    }

    /** The element type of every operand. */
    DType dtype();

    /** The tensors read, by role name (in-place tensors appear here and in {@link #outputs()}). */
    Map<String, Tensor> inputs();

    /** The tensors written, by role name. */
    Map<String, Tensor> outputs();
}
