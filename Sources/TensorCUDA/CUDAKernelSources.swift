/// The CUDA backend's own kernels, as CUDA C that NVRTC compiles at run time for the GPU at
/// hand: the element-wise ops, reductions, padding, upsampling, instance-norm statistics and the
/// optimisers' updates of `ComputeBackend` (convolutions, pooling and matrix products go to
/// cuDNN and cuBLAS). Plain NCHW float32 tensors; every kernel takes its element count and loops
/// over it grid-stride, so any launch size covers any tensor. Reductions run in double, as the
/// CPU backend's do, each block writing one partial that a second launch adds in block order
/// (the same sum for the same launch, run after run).
public enum CUDAKernelSources {
    /// Every kernel's name, as `extern "C"` makes it appear in the PTX.
    public static let kernelNames = [
        "fill", "affine", "add_into", "axpy", "binary_same_shape", "relu", "relu_backward",
        "unary", "unary_backward", "sum_partials", "sum_all_partials", "dot_partials", "absolute_sum_partials", "adam_update",
        "pad", "pad_backward", "upsample_nearest", "upsample_nearest_backward",
        "instance_norm_statistics", "instance_norm_apply", "instance_norm_backward_sums", "instance_norm_backward",
        "add_channel_bias", "channel_sums", "binary_broadcast", "strided_copy", "reduce_sum", "pool", "pool_backward",
        "symmetrize",
    ]

    /// The kernels' source: one program (one module, one compilation).
    public static let source = #"""
    #define GRID_STRIDE(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); \
                                   i += (long long)blockDim.x * gridDim.x)
    // Threads per block of the reductions (a power of two).
    #define REDUCTION_THREADS 256

    extern "C" __global__ void fill(float *y, float value, long long n) {
        GRID_STRIDE(i, n) y[i] = value;
    }

    extern "C" __global__ void affine(const float *x, float *y, float scale, float shift, long long n) {
        GRID_STRIDE(i, n) y[i] = x[i] * scale + shift;
    }

    extern "C" __global__ void add_into(const float *x, float *sum, long long n) {
        GRID_STRIDE(i, n) sum[i] += x[i];
    }

    extern "C" __global__ void axpy(float alpha, const float *x, float *y, long long n) {
        GRID_STRIDE(i, n) y[i] += alpha * x[i];
    }

    // operation: 0 add, 1 subtract, 2 multiply, 3 divide (BinaryOperation's order).
    extern "C" __global__ void binary_same_shape(int operation, const float *a, const float *b, float *y, long long n) {
        GRID_STRIDE(i, n) {
            const float p = a[i], q = b[i];
            y[i] = operation == 0 ? p + q : operation == 1 ? p - q : operation == 2 ? p * q : p / q;
        }
    }

    // NaN stays NaN, as max(x, 0) in PyTorch.
    extern "C" __global__ void relu(const float *x, float *y, long long n) {
        GRID_STRIDE(i, n) y[i] = x[i] > 0.0f || isnan(x[i]) ? x[i] : 0.0f;
    }

    // The mask is the ReLU's output itself: the gradient passes where it is positive.
    extern "C" __global__ void relu_backward(const float *dy, const float *y, float *dx, long long n) {
        GRID_STRIDE(i, n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }

    // operation: 0 tanh, 1 sigmoid, 2 sqrt, 3 square, 4 clamp(p, q), 5 fake quantisation (scale p,
    // zero point q, integer range r…s; halves round to even).
    __device__ float unary_value(int operation, float v, float p, float q, float r, float s) {
        switch (operation) {
        case 0: return tanhf(v);
        case 1: return 1.0f / (1.0f + expf(-v));
        case 2: return sqrtf(v);
        case 3: return v * v;
        // NaN stays NaN through the clamps, as on the CPU (fmaxf alone would return the bound).
        case 4: return isnan(v) ? v : fminf(fmaxf(v, p), q);
        default: return isnan(v) ? v : (fminf(fmaxf(rintf(v / p) + q, r), s) - q) * p;
        }
    }

    extern "C" __global__ void unary(int operation, const float *x, float *y, float p, float q, float r, float s,
                                     long long n) {
        GRID_STRIDE(i, n) y[i] = unary_value(operation, x[i], p, q, r, s);
    }

    // dy·f′ for y = f(x); the clamps pass the gradient only strictly inside their range.
    extern "C" __global__ void unary_backward(int operation, const float *dy, const float *x, const float *y,
                                              float *dx, float p, float q, float r, float s, long long n) {
        GRID_STRIDE(i, n) {
            const float g = dy[i];
            float d;
            switch (operation) {
            case 0: d = g * (1.0f - y[i] * y[i]); break;
            case 1: d = g * y[i] * (1.0f - y[i]); break;
            case 2: d = g * 0.5f / y[i]; break;
            case 3: d = g * 2.0f * x[i]; break;
            case 4: d = x[i] > p && x[i] < q ? g : 0.0f; break;
            default: {
                const float integer = rintf(x[i] / p) + q;
                d = integer >= r && integer <= s ? g : 0.0f;
            }
            }
            dx[i] = d;
        }
    }

    // Adds the values a block's threads hold, in a fixed order; thread 0 gets the sum.
    __device__ double block_sum(double value) {
        __shared__ double partial[REDUCTION_THREADS];
        partial[threadIdx.x] = value;
        __syncthreads();
        for (int half = REDUCTION_THREADS / 2; half > 0; half /= 2) {
            if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
            __syncthreads();
        }
        return partial[0];
    }

    // First pass of a sum: block b writes partials[b]. Second pass (one block): the partials summed
    // into out[0] as a float.
    extern "C" __global__ void sum_partials(const double *partials, float *out, long long count) {
        double value = 0;
        for (long long i = threadIdx.x; i < count; i += REDUCTION_THREADS) value += partials[i];
        value = block_sum(value);
        if (threadIdx.x == 0) out[0] = (float)value;
    }

    extern "C" __global__ void dot_partials(const float *a, const float *b, double *partials, long long n) {
        double value = 0;
        GRID_STRIDE(i, n) value += (double)a[i] * (double)b[i];
        value = block_sum(value);
        if (threadIdx.x == 0) partials[blockIdx.x] = value;
    }

    extern "C" __global__ void sum_all_partials(const float *x, double *partials, long long n) {
        double value = 0;
        GRID_STRIDE(i, n) value += x[i];
        value = block_sum(value);
        if (threadIdx.x == 0) partials[blockIdx.x] = value;
    }

    extern "C" __global__ void absolute_sum_partials(const float *x, double *partials, long long n) {
        double value = 0;
        GRID_STRIDE(i, n) value += fabs((double)x[i]);
        value = block_sum(value);
        if (threadIdx.x == 0) partials[blockIdx.x] = value;
    }

    // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − stepSize · m / (sqrt(v / correction2) + ε).
    extern "C" __global__ void adam_update(float *p, const float *g, float *m, float *v, float beta1, float beta2,
                                           float step_size, float correction2, float epsilon, long long n) {
        GRID_STRIDE(i, n) {
            const float gradient = g[i];
            const float first = beta1 * m[i] + (1.0f - beta1) * gradient;
            const float second = beta2 * v[i] + (1.0f - beta2) * gradient * gradient;
            m[i] = first;
            v[i] = second;
            p[i] -= step_size * first / (sqrtf(second / correction2) + epsilon);
        }
    }

    // The input index an output index `o` of a padded axis reads (`before` padded in front of
    // `size`), or -1 for a zero; mode 0 zeros, 1 reflection, 2 replication.
    __device__ int padded_source(int o, int before, int size, int mode) {
        int i = o - before;
        if (i >= 0 && i < size) return i;
        if (mode == 0) return -1;
        if (mode == 2) return i < 0 ? 0 : size - 1;
        return i < 0 ? -i : 2 * (size - 1) - i;
    }

    // planes: N·C; each plane height×width in, out_height×out_width out.
    extern "C" __global__ void pad(const float *x, float *y, long long planes, int height, int width, int top,
                                   int left, int out_height, int out_width, int mode) {
        const long long plane_out = (long long)out_height * out_width;
        GRID_STRIDE(index, planes * plane_out) {
            const long long plane = index / plane_out;
            const int row = (int)(index % plane_out / out_width), column = (int)(index % out_width);
            const int r = padded_source(row, top, height, mode), c = padded_source(column, left, width, mode);
            y[index] = r < 0 || c < 0 ? 0.0f : x[(plane * height + r) * width + c];
        }
    }

    // The output indices along a padded axis that read input index i: the range first…last, then
    // `extras` more (reflection's mirrored ones). Padding is smaller than the picture.
    struct Readers { int first, last, extras, extra[2]; };

    __device__ Readers padded_readers(int i, int before, int size, int out, int mode) {
        Readers r;
        r.first = r.last = i + before;
        r.extras = 0;
        if (mode == 2) {
            if (i == 0) r.first = 0;
            if (i == size - 1) r.last = out - 1;
        } else if (mode == 1) {
            const int front = before - i, back = before + 2 * (size - 1) - i;
            if (i >= 1 && front >= 0) r.extra[r.extras++] = front;
            if (back >= before + size && back < out) r.extra[r.extras++] = back;
        }
        return r;
    }

    __device__ int padded_reader(Readers r, int k) {
        const int in_range = r.last - r.first + 1;
        return k < in_range ? r.first + k : r.extra[k - in_range];
    }

    // Each input pixel gathers the outputs that read it, so the sum has one order and needs no atomics.
    extern "C" __global__ void pad_backward(const float *dy, float *dx, long long planes, int height, int width,
                                            int top, int left, int out_height, int out_width, int mode) {
        const long long plane_in = (long long)height * width;
        GRID_STRIDE(index, planes * plane_in) {
            const long long plane = index / plane_in;
            const int r = (int)(index % plane_in / width), c = (int)(index % width);
            const Readers rows = padded_readers(r, top, height, out_height, mode);
            const Readers columns = padded_readers(c, left, width, out_width, mode);
            const int row_count = rows.last - rows.first + 1 + rows.extras;
            const int column_count = columns.last - columns.first + 1 + columns.extras;
            float total = 0.0f;
            for (int k = 0; k < row_count; k++) {
                const float *line = dy + (plane * out_height + padded_reader(rows, k)) * out_width;
                for (int l = 0; l < column_count; l++) total += line[padded_reader(columns, l)];
            }
            dx[index] = total;
        }
    }

    extern "C" __global__ void upsample_nearest(const float *x, float *y, long long planes, int height, int width,
                                                int factor) {
        const int out_width = width * factor;
        const long long plane_out = (long long)height * factor * out_width;
        GRID_STRIDE(index, planes * plane_out) {
            const long long plane = index / plane_out;
            const int row = (int)(index % plane_out / out_width), column = (int)(index % out_width);
            y[index] = x[(plane * height + row / factor) * width + column / factor];
        }
    }

    extern "C" __global__ void upsample_nearest_backward(const float *dy, float *dx, long long planes, int height,
                                                         int width, int factor) {
        const long long plane_in = (long long)height * width;
        const int out_width = width * factor;
        GRID_STRIDE(index, planes * plane_in) {
            const long long plane = index / plane_in;
            const int r = (int)(index % plane_in / width), c = (int)(index % width);
            float total = 0.0f;
            for (int i = 0; i < factor; i++)
                for (int j = 0; j < factor; j++)
                    total += dy[(plane * height * factor + r * factor + i) * (long long)out_width + c * factor + j];
            dx[index] = total;
        }
    }

    // One block per plane: its mean and 1/sqrt(biased variance + epsilon), summed in double.
    extern "C" __global__ void instance_norm_statistics(const float *x, float *mean, float *inverse_deviation,
                                                        long long plane_size, float epsilon) {
        const float *plane = x + blockIdx.x * plane_size;
        double sum = 0;
        for (long long i = threadIdx.x; i < plane_size; i += REDUCTION_THREADS) sum += plane[i];
        const double mu = block_sum(sum) / plane_size;
        __syncthreads();
        double squares = 0;
        for (long long i = threadIdx.x; i < plane_size; i += REDUCTION_THREADS) {
            const double d = plane[i] - mu;
            squares += d * d;
        }
        const double variance = block_sum(squares) / plane_size;
        if (threadIdx.x == 0) {
            mean[blockIdx.x] = (float)mu;
            inverse_deviation[blockIdx.x] = (float)(1.0 / sqrt(variance + epsilon));
        }
    }

    // y = (x − μ)·inverse_deviation·γ + β per plane, then ReLU when asked; γ and β are per channel
    // (`per_sample` 0) or per sample and channel (1), or absent (null).
    extern "C" __global__ void instance_norm_apply(const float *x, float *y, const float *mean,
                                                   const float *inverse_deviation, const float *gamma,
                                                   const float *beta, int channels, int per_sample,
                                                   long long plane_size, long long planes, int relu) {
        GRID_STRIDE(index, planes * plane_size) {
            const long long plane = index / plane_size;
            const long long parameter = per_sample ? plane : plane % channels;
            float value = (x[index] - mean[plane]) * inverse_deviation[plane];
            if (gamma) value *= gamma[parameter];
            if (beta) value += beta[parameter];
            y[index] = relu && !(value > 0.0f) && !isnan(value) ? 0.0f : value;
        }
    }

    // Per plane of the instance norm's backward pass: Σg and Σg·x̂, where g is dy·γ, zero where a
    // fused ReLU's output was not positive (x̂ is the normalised input, kept by the forward pass).
    extern "C" __global__ void instance_norm_backward_sums(const float *dy, const float *normalized, const float *gamma,
                                                           const float *beta, int channels, int per_sample, int relu,
                                                           long long plane_size, float *sums, float *products) {
        const long long plane = blockIdx.x, parameter = per_sample ? plane : plane % channels;
        const float scale = gamma ? gamma[parameter] : 1.0f, shift = beta ? beta[parameter] : 0.0f;
        double sum = 0, product = 0;
        for (long long i = threadIdx.x; i < plane_size; i += REDUCTION_THREADS) {
            const long long k = plane * plane_size + i;
            float g = dy[k];
            if (relu && normalized[k] * scale + shift <= 0.0f) g = 0.0f;
            sum += g;
            product += (double)(g * normalized[k]);
        }
        sum = block_sum(sum);
        __syncthreads();
        product = block_sum(product);
        if (threadIdx.x == 0) {
            sums[plane] = (float)sum;
            products[plane] = (float)product;
        }
    }

    // dx = γ·σ⁻¹·(g − mean g − x̂·mean(g·x̂)) per plane.
    extern "C" __global__ void instance_norm_backward(const float *dy, const float *normalized, const float *gamma,
                                                      const float *beta, const float *inverse_deviation,
                                                      const float *sums, const float *products, int channels,
                                                      int per_sample, int relu, long long plane_size, long long planes,
                                                      float *dx) {
        GRID_STRIDE(k, planes * plane_size) {
            const long long plane = k / plane_size, parameter = per_sample ? plane : plane % channels;
            const float scale = gamma ? gamma[parameter] : 1.0f, shift = beta ? beta[parameter] : 0.0f;
            float g = dy[k];
            if (relu && normalized[k] * scale + shift <= 0.0f) g = 0.0f;
            const float mean_g = (float)((double)sums[plane] / plane_size);
            const float mean_gx = (float)((double)products[plane] / plane_size);
            dx[k] = scale * inverse_deviation[plane] * (g - mean_g - normalized[k] * mean_gx);
        }
    }

    // y += bias[channel], then ReLU when asked; NCHW, `plane_size` pixels per channel.
    extern "C" __global__ void add_channel_bias(float *y, const float *bias, int channels, long long plane_size,
                                                int relu, long long n) {
        GRID_STRIDE(i, n) {
            float value = y[i];
            if (bias) value += bias[(i / plane_size) % channels];
            y[i] = relu && !(value > 0.0f) && !isnan(value) ? 0.0f : value;
        }
    }

    // out[c] = Σ over samples and pixels of x (NCHW), one block per channel, in double.
    extern "C" __global__ void channel_sums(const float *x, float *out, int batch, int channels, long long plane_size) {
        double sum = 0;
        for (int n = 0; n < batch; n++) {
            const float *plane = x + ((long long)n * channels + blockIdx.x) * plane_size;
            for (long long i = threadIdx.x; i < plane_size; i += REDUCTION_THREADS) sum += plane[i];
        }
        sum = block_sum(sum);
        if (threadIdx.x == 0) out[blockIdx.x] = (float)sum;
    }

    // Shapes and strides of up to 8 axes, passed by value (no copy to the device, no wait for it):
    // for `rank` axes, the output's sizes, then each operand's strides in elements (0 along an axis
    // it is broadcast over), then offsets; packed from the front.
    #define MAX_RANK 8
    struct Layout { long long v[3 * MAX_RANK + 2]; };

    __device__ void unravel(long long index, int rank, const long long *sizes, long long *at) {
        for (int axis = rank - 1; axis >= 0; axis--) {
            at[axis] = index % sizes[axis];
            index /= sizes[axis];
        }
    }

    __device__ long long offset(int rank, const long long *at, const long long *strides) {
        long long result = 0;
        for (int axis = 0; axis < rank; axis++) result += at[axis] * strides[axis];
        return result;
    }

    // info: sizes[rank], a's strides[rank], b's strides[rank]. Output plain.
    extern "C" __global__ void binary_broadcast(int operation, const float *a, const float *b, float *y, int rank,
                                                Layout layout, long long n) {
        const long long *info = layout.v;
        long long at[MAX_RANK];
        GRID_STRIDE(i, n) {
            unravel(i, rank, info, at);
            const float p = a[offset(rank, at, info + rank)], q = b[offset(rank, at, info + 2 * rank)];
            y[i] = operation == 0 ? p + q : operation == 1 ? p - q : operation == 2 ? p * q : p / q;
        }
    }

    // y[y_offset + Σ at·y_strides] = x[x_offset + Σ at·x_strides] for every index `at` of `sizes`:
    // slices, concatenation and broadcasting. info: sizes[rank], x's strides[rank], y's strides[rank],
    // x_offset, y_offset.
    extern "C" __global__ void strided_copy(const float *x, float *y, int rank, Layout layout, long long n) {
        const long long *info = layout.v;
        long long at[MAX_RANK];
        GRID_STRIDE(i, n) {
            unravel(i, rank, info, at);
            y[info[3 * rank + 1] + offset(rank, at, info + 2 * rank)] = x[info[3 * rank] + offset(rank, at, info + rank)];
        }
    }

    // One block per output element: the sum, in double, of x over the reduced axes. info: the
    // kept axes' sizes[rank] (1 where reduced), the reduced axes' sizes[rank] (1 where kept), x's
    // strides[rank].
    extern "C" __global__ void reduce_sum(const float *x, float *y, int rank, Layout layout, long long reduced_count) {
        const long long *info = layout.v;
        long long kept_at[MAX_RANK], reduced_at[MAX_RANK];
        unravel(blockIdx.x, rank, info, kept_at);
        const long long base = offset(rank, kept_at, info + 2 * rank);
        double sum = 0;
        for (long long i = threadIdx.x; i < reduced_count; i += REDUCTION_THREADS) {
            unravel(i, rank, info + rank, reduced_at);
            sum += x[base + offset(rank, reduced_at, info + 2 * rank)];
        }
        sum = block_sum(sum);
        if (threadIdx.x == 0) y[blockIdx.x] = (float)sum;
    }

    // Max (kind 0) or average (kind 1, padding not counted) pooling of NCHW planes; for max, the
    // winner's index in its plane (first of equals; NaN wins, as PyTorch) goes to `argmax`.
    extern "C" __global__ void pool(const float *x, float *y, int *argmax, int kind, long long planes, int height,
                                    int width, int out_height, int out_width, int kernel_height, int kernel_width,
                                    int stride, int top, int left) {
        const long long plane_out = (long long)out_height * out_width;
        GRID_STRIDE(index, planes * plane_out) {
            const long long plane = index / plane_out;
            const int row = (int)(index % plane_out / out_width), column = (int)(index % out_width);
            const float *source = x + plane * height * width;
            float best = 0.0f, total = 0.0f;  // best: set by the first pixel in the window
            int winner = -1, count = 0;
            for (int i = 0; i < kernel_height; i++) {
                const int r = row * stride - top + i;
                if (r < 0 || r >= height) continue;
                for (int j = 0; j < kernel_width; j++) {
                    const int c = column * stride - left + j;
                    if (c < 0 || c >= width) continue;
                    const float v = source[r * width + c];
                    if (winner < 0 || v > best || (isnan(v) && !isnan(best))) { best = v; winner = r * width + c; }
                    total += v;
                    count++;
                }
            }
            if (kind == 0) {
                y[index] = best;
                argmax[index] = winner;
            } else {
                y[index] = count ? total / count : 0.0f;
            }
        }
    }

    // Each input pixel gathers the outputs whose windows hold it: for max, those it won.
    extern "C" __global__ void pool_backward(const float *dy, const int *argmax, float *dx, int kind, long long planes,
                                             int height, int width, int out_height, int out_width, int kernel_height,
                                             int kernel_width, int stride, int top, int left) {
        const long long plane_in = (long long)height * width;
        GRID_STRIDE(index, planes * plane_in) {
            const long long plane = index / plane_in;
            const int r = (int)(index % plane_in / width), c = (int)(index % width);
            float total = 0.0f;
            // Outputs `row` with row·stride − top ≤ r < row·stride − top + kernel_height.
            const int first_row = max(0, (r + top - kernel_height + stride) / stride);
            const int first_column = max(0, (c + left - kernel_width + stride) / stride);
            for (int row = first_row; row < out_height && row * stride - top <= r; row++) {
                for (int column = first_column; column < out_width && column * stride - left <= c; column++) {
                    const long long o = plane * out_height * out_width + (long long)row * out_width + column;
                    if (kind == 0) {
                        if (argmax[o] == r * width + c) total += dy[o];
                    } else {
                        int count = 0;
                        for (int i = 0; i < kernel_height; i++) {
                            const int rr = row * stride - top + i;
                            for (int j = 0; j < kernel_width; j++) {
                                const int cc = column * stride - left + j;
                                count += rr >= 0 && rr < height && cc >= 0 && cc < width;
                            }
                        }
                        total += dy[o] / count;
                    }
                }
            }
            dx[index] = total;
        }
    }

    // s = g + gᵀ for each of `batch` square matrices of side `side`.
    extern "C" __global__ void symmetrize(const float *g, float *s, long long side, long long n) {
        GRID_STRIDE(i, n) {
            const long long matrix = i / (side * side), row = i % (side * side) / side, column = i % side;
            s[i] = g[i] + g[matrix * side * side + column * side + row];
        }
    }
    """#
}
