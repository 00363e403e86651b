/*
 * prelude_opencl.h: the OpenCL C dialect of the portable kernels in this directory.
 *
 * Every portable kernel (*.k) is written once in the common subset of OpenCL C 1.2 and CUDA C++ and uses only
 * the macros below for what differs between the two; prelude_cuda.h defines the same names for CUDA. The
 * backend prepends this file to a kernel's source before clBuildProgram.
 *
 *   KERNEL        a kernel entry point                    GLOBAL      pointer into global (device) memory
 *   LOCAL_MEM     a work-group-shared array declaration   LOCAL_PTR   pointer into work-group-shared memory
 *   DEVICE_FN     a helper function callable from kernels SYNC()      work-group barrier on shared memory
 *   GID0          global index along axis 0               LID0, LID1  index inside the work-group
 *   GRP0..GRP2    work-group index per axis               LSZ0        work-group size along axis 0
 *   EXPF, EXPM1F, LOGF, SQRTF, TANHF, FABSF, FMAXF, FMINF, FMAF single-precision math; ISNANF, ISFINITEF
 *   MULHI(a, b)   the high 32 bits of the 64-bit product of two uints
 *   LOG1PF, POWF, FLOORF single-precision math; NAN_F a quiet NaN
 *
 * Floating-point contraction is off in both dialects: a * b + c is a rounded product, then a rounded sum (the
 * compensated sums of reduce.h and dropout's two-float scale depend on it); FMAF is the one fused multiply-add.
 * OpenCL C lets a compiler contract by default, so the pragma below turns it off; CUDA has no such pragma, and
 * every CUDA compilation takes --fmad=false instead (org.cnn4j.kernels.host.KernelSource states the contract).
 */
#pragma OPENCL FP_CONTRACT OFF

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL_MEM __local
#define LOCAL_PTR __local
#define DEVICE_FN static inline
#define SYNC() barrier(CLK_LOCAL_MEM_FENCE)

#define GID0 ((int) get_global_id(0))
#define LID0 ((int) get_local_id(0))
#define LID1 ((int) get_local_id(1))
#define GRP0 ((int) get_group_id(0))
#define GRP1 ((int) get_group_id(1))
#define GRP2 ((int) get_group_id(2))
#define LSZ0 ((int) get_local_size(0))

#define EXPF(x) exp(x)
#define EXPM1F(x) expm1(x)
#define LOGF(x) log(x)
#define SQRTF(x) sqrt(x)
#define TANHF(x) tanh(x)
#define FABSF(x) fabs(x)
#define FMAXF(a, b) fmax(a, b)
#define FMINF(a, b) fmin(a, b)
#define FMAF(a, b, c) fma(a, b, c)
#define ISNANF(x) isnan(x)
#define ISFINITEF(x) isfinite(x)
#define MULHI(a, b) mul_hi((uint) (a), (uint) (b))
#define INFINITY_F INFINITY
#define LOG1PF(x) log1p(x)
#define POWF(a, b) pow(a, b)
#define FLOORF(x) floor(x)
#define NAN_F NAN
