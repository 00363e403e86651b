/*
 * prelude_cuda.h: the CUDA C++ dialect of the portable kernels in this directory (see prelude_opencl.h for the
 * meaning of each macro). The CUDA backend prepends it before NVRTC; the build's compile check passes it to
 * nvcc with -include. Work-group = thread block, work-item = thread, axis 0/1/2 = x/y/z.
 */
typedef unsigned int uint;

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL_MEM __shared__
#define LOCAL_PTR
#define DEVICE_FN static __device__ __forceinline__
#define SYNC() __syncthreads()

#define GID0 ((int) (blockIdx.x * blockDim.x + threadIdx.x))
#define LID0 ((int) threadIdx.x)
#define LID1 ((int) threadIdx.y)
#define GRP0 ((int) blockIdx.x)
#define GRP1 ((int) blockIdx.y)
#define GRP2 ((int) blockIdx.z)
#define LSZ0 ((int) blockDim.x)

#define EXPF(x) expf(x)
#define EXPM1F(x) expm1f(x)
#define LOGF(x) logf(x)
#define SQRTF(x) sqrtf(x)
#define TANHF(x) tanhf(x)
#define FABSF(x) fabsf(x)
#define FMAXF(a, b) fmaxf(a, b)
#define FMINF(a, b) fminf(a, b)
#define FMAF(a, b, c) fmaf(a, b, c)
#define ISNANF(x) isnan(x)
#define ISFINITEF(x) isfinite(x)
#define MULHI(a, b) __umulhi((uint) (a), (uint) (b))
#define INFINITY_F __int_as_float(0x7f800000)
#define LOG1PF(x) log1pf(x)
#define POWF(a, b) powf(a, b)
#define FLOORF(x) floorf(x)
#define NAN_F __int_as_float(0x7fc00000)
