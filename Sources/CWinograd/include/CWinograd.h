// Winograd F(4×4, 3×3) and F(6×6, 3×3) kernels for x86-64 CPUs with AVX2 and FMA, chosen at run time.
//
// Swift cannot compile one function for AVX2 and keep the rest of the binary for baseline
// x86-64, so these few hot loops are C with per-function target attributes: the binary still
// runs on any x86-64 (and any other) CPU, where `cw_available()` says 0 and the engine keeps
// its portable Swift path. The algorithm is described in TensorCPU's WinogradConvolution.swift.
#ifndef CWINOGRAD_H
#define CWINOGRAD_H

/// One side of a convolution (input or output) over 8-channel blocks (nChw8c), and its tiling.
typedef struct {
    long channels, height, width;
    /// Outputs per tile along each axis: 4 (F(4×4, 3×3): 36 matrices, "positions") or 6
    /// (F(6×6, 3×3): 64 positions); both sides of a convolution give the same.
    long tile;
    /// Output tiles per row of tiles, and per image.
    long tiles_across, tiles_per_image;
    /// Zero rows and columns before the first pixel (input side only; 0 on the output side).
    long pad_top, pad_left;
    /// Input side only, or null: one byte per input element, laid out as the input; where it
    /// is 0 the element reads as 0 (a ReLU's mask, applied to an output gradient on the way in).
    const unsigned char *mask;
} cw_side;

/// Floats from one of the 36 or 64 matrices (inputs, products, filters) to the next, for matrices
/// of `floats`: one cache line more, so that they do not all fall on the same cache sets.
long cw_padded(long floats);

/// 1 when this CPU runs the kernels below (x86-64 with AVX2 and FMA), else 0.
int cw_available(void);

/// Transformed filters `G g Gᵀ` of OIHW 3×3 `weights` (`outputs`×`inputs`) for tiles of `tile`, for the column
/// panels `[panel_begin, panel_end)`, packed as (tile + 2)² matrices [columns / 16][rows][16], `cw_padded` apart. Forward: rows are
/// the inputs, columns the outputs. `transposed` (the input gradient's convolution): rows are
/// the outputs, columns the inputs, each filter rotated by 180°. Columns must be a multiple of 16.
void cw_transform_filters(const float *weights, long outputs, long inputs, int transposed, long tile,
                          long panel_begin, long panel_end, float *packed);

/// `Bᵀ d B` of the input tiles `first + [begin, end)`, written as rows `[begin, end)` of the
/// (tile + 2)² matrices [group][channels] at `v`, `cw_padded` apart.
void cw_transform_inputs(const float *x, const cw_side *input, long first, long group,
                         long begin, long end, float *v);

/// Position `position`'s product: the [count][inputs] rows of `v` (one such matrix per
/// position, `count` rows each) times that position's packed filters, into the [count][outputs] matrix of `m`.
void cw_multiply(const float *v, const float *packed, long count, long inputs, long outputs,
                 long position, float *m);

/// `Aᵀ m A` of the tiles `first + [begin, end)` (rows of the [group][channels] product matrices
/// at `m`), plus `bias` (or none) and ReLU when `relu`, written where they lie inside the output.
void cw_transform_outputs(const float *m, const cw_side *output, long first, long group,
                          long begin, long end, const float *bias, int relu, float *y);

/// The whole convolution of tiles `[begin, end)`, `block` tiles at a time: their inputs
/// transformed, multiplied and transformed back while they stay in this core's caches.
/// `scratch` holds `(tile + 2)² · (cw_padded(block · input channels) + cw_padded(block · output channels))`
/// floats. For narrow convolutions, whose filters are small enough to be read once per block.
void cw_convolve_tiles(const float *x, const cw_side *input, const cw_side *output, const float *packed,
                       long begin, long end, long block, const float *bias, int relu, float *y,
                       float *scratch);

#endif
