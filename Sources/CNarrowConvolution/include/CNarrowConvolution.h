// Direct convolutions with few input or few output channels (a picture's RGB going into a
// network, or coming out of one), for x86-64 CPUs with AVX2 and FMA, chosen at run time.
//
// oneDNN's AVX2 kernels reach a third of the machine's multiply-add rate on these shapes (a
// 3-channel input feeds too few multiply-adds per load; 3 outputs fill 3 of a block's 8 lanes).
// These kernels vectorise along the side that has channels to spare: output channels when the
// input has few, input channels when the output has few. Like CWinograd, the functions carry
// their own target attribute, so the binary still runs on any CPU, where `cn_available()` says 0.
#ifndef CNARROWCONVOLUTION_H
#define CNARROWCONVOLUTION_H

/// A stride-1 convolution's sizes. Zero padding is implied by the offsets: output pixel
/// (y, x) reads input rows y − pad_top … y − pad_top + kernel_height − 1 (missing ones are zeros).
typedef struct {
    long input_channels, input_height, input_width;
    long output_channels, output_height, output_width;
    long kernel_height, kernel_width, pad_top, pad_left;
} cn_geometry;

/// 1 when this CPU runs the kernels below (x86-64 with AVX2 and FMA), else 0.
int cn_available(void);

/// Few inputs: `x` is one image, plain [input_channels][height][width]; `packed` the filters as
/// [input_channels][kernel_height][kernel_width][output_channels]; `y` the image's output,
/// 8-channel-blocked [output_channels / 8][height][width][8] (output_channels a multiple of 8).
/// Writes output rows [row_begin, row_end); `bias` may be null; `relu` clamps below at 0.
void cn_few_inputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                   long row_begin, long row_end, float *y);

/// Few outputs (at most 6): `x` is one image, 8-channel-blocked [input_channels / 8][height][width][8];
/// `packed` the filters as [output_channels][input_channels / 8][kernel_height][kernel_width][8];
/// `y` the image's output, plain [output_channels][height][width]. Writes output rows
/// [row_begin, row_end); `bias` may be null; `relu` clamps below at 0.
void cn_few_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                    long row_begin, long row_end, float *y);

/// Few inputs and few outputs (at most 6), both plain: `x` is one image [input_channels][height][width];
/// `packed` the filters as [input_channels][kernel_height][kernel_width][output_channels]; `y` the
/// image's output [output_channels][height][width], eight neighbouring pixels to a vector. Writes
/// output rows [row_begin, row_end); `bias` may be null; `relu` clamps below at 0.
void cn_few_inputs_and_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                               int relu, long row_begin, long row_end, float *y);

/// Few inputs with 9-wide kernels, by Winograd's F(8, 9) along each kernel row (see winograd_rows.c):
/// about 3.5× fewer operations than `cn_few_inputs`, values within about 3·10⁻⁵ of the output's
/// scale (10⁻⁴ at worst). Layouts as `cn_few_inputs`, but `packed` comes from `cn_winograd_rows_pack`, and each
/// call needs its own `workspace` of `cn_winograd_rows_workspace_count` floats. kernel_height ≤ 64.
void cn_few_inputs_winograd_rows(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                 int relu, long row_begin, long row_end, float *workspace, float *y);

/// The number of floats of `cn_winograd_rows_pack`'s output for `g`.
long cn_winograd_rows_packed_count(const cn_geometry *g);

/// Transforms filters `taps`, plain [output_channels][input_channels][kernel_height][9], for
/// `cn_few_inputs_winograd_rows` (output_channels a multiple of 8).
void cn_winograd_rows_pack(const cn_geometry *g, const float *taps, float *packed);

/// The number of floats of the workspace one call of `cn_few_inputs_winograd_rows` needs for `g`.
long cn_winograd_rows_workspace_count(const cn_geometry *g);

#endif
