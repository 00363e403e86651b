package org.cnn4j.distributed;

/** How {@link ProcessGroup#allReduce} combines the ranks' values, element by element. */
public enum ReduceOp {
    /** The sum over the ranks. */
    SUM,
    /** The sum over the ranks divided by the world size (PyTorch's {@code ReduceOp.AVG}). */
    AVG
}
